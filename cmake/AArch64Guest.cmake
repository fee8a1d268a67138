# Builds bare-metal AArch64 guest programs with Debian's cross toolchain as part of the normal build.
#
#   vcm_add_aarch64_guest(NAME hello SOURCES main.c [more.S ...] [NO_RUNTIME] [TRANSPORT hvc|mmio]
#                         [DEFINES NAME[=VALUE] ...])
#
# produces ${CMAKE_CURRENT_BINARY_DIR}/<name>.elf and <name>.bin (a raw image to be loaded at the guest
# RAM base) and a target guest_<name> that is part of ALL. Every guest links the shared runtime in
# hyp/guests/runtime (entry, stack, console, exit) and the linker script generated from guest.ld.S, which
# takes the RAM base from hyp/include/vcm/hyp/guest_abi.h so host and guest cannot disagree on it.
# DEFINES are passed to SOURCES (not the runtime): one source can make two guests that differ in one step.
# TRANSPORT picks how the runtime reaches the hypervisor (guest_abi.h): vcm's SMCCC hypercalls (hvc, the default)
# or the guest port's MMIO stores (mmio), which real KVM passes to a VMM, so the same image also runs in the
# reference rig (tests/reference/kvm).
# NO_RUNTIME links only SOURCES: for an image with its own layout from its first byte (an arm64 Image that
# a boot loader may move, so it must not depend on where it was linked).
find_program(VCM_AARCH64_CC aarch64-linux-gnu-gcc)
find_program(VCM_AARCH64_OBJCOPY aarch64-linux-gnu-objcopy)
if(NOT VCM_AARCH64_CC)
  vcm_missing("aarch64-linux-gnu-gcc" "gcc-aarch64-linux-gnu")
endif()
if(NOT VCM_AARCH64_OBJCOPY)
  vcm_missing("aarch64-linux-gnu-objcopy" "binutils-aarch64-linux-gnu")
endif()

set(VCM_GUEST_DIR "${CMAKE_SOURCE_DIR}/hyp/guests")
set(VCM_GUEST_ABI_INCLUDE "${CMAKE_SOURCE_DIR}/hyp/include")
# Guests run bare metal: no libc, no FP/SIMD (the runtime never enables CPACR_EL1.FPEN), no PIC.
set(VCM_GUEST_CFLAGS
    -ffreestanding -nostdlib -nostartfiles -fno-pic -fno-pie -fno-stack-protector
    -mgeneral-regs-only -mstrict-align -O2 -g -Wall -Wextra -Werror -std=c11
    -I${VCM_GUEST_DIR}/runtime -I${VCM_GUEST_ABI_INCLUDE})
set(VCM_GUEST_RUNTIME_SOURCES
    ${VCM_GUEST_DIR}/runtime/start.S
    ${VCM_GUEST_DIR}/runtime/runtime.c
    ${VCM_GUEST_DIR}/runtime/cache.c)

set(VCM_GUEST_LINKER_SCRIPT "${CMAKE_BINARY_DIR}/hyp/guests/guest.ld")
add_custom_command(
  OUTPUT ${VCM_GUEST_LINKER_SCRIPT}
  COMMAND ${VCM_AARCH64_CC} -E -P -x c -I${VCM_GUEST_ABI_INCLUDE}
          ${VCM_GUEST_DIR}/runtime/guest.ld.S -o ${VCM_GUEST_LINKER_SCRIPT}
  DEPENDS ${VCM_GUEST_DIR}/runtime/guest.ld.S ${VCM_GUEST_ABI_INCLUDE}/vcm/hyp/guest_abi.h
  COMMENT "Generating the AArch64 guest linker script"
  VERBATIM)
add_custom_target(vcm_guest_linker_script DEPENDS ${VCM_GUEST_LINKER_SCRIPT})

function(vcm_add_aarch64_guest)
  cmake_parse_arguments(ARG "NO_RUNTIME" "NAME;TRANSPORT" "SOURCES;DEFINES" ${ARGN})
  if(NOT ARG_TRANSPORT)
    set(ARG_TRANSPORT hvc)
  elseif(NOT ARG_TRANSPORT MATCHES "^(hvc|mmio)$")
    message(FATAL_ERROR "vcm_add_aarch64_guest(${ARG_NAME}): TRANSPORT is hvc or mmio, not ${ARG_TRANSPORT}")
  endif()
  set(defines "")
  foreach(d IN LISTS ARG_DEFINES)
    list(APPEND defines "-D${d}")
  endforeach()
  if(NOT ARG_NAME OR NOT ARG_SOURCES)
    message(FATAL_ERROR "vcm_add_aarch64_guest: NAME and SOURCES are required")
  endif()
  set(objdir "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.objs")
  set(objects "")
  set(runtime ${VCM_GUEST_RUNTIME_SOURCES} ${VCM_GUEST_DIR}/runtime/transport_${ARG_TRANSPORT}.c)
  if(ARG_NO_RUNTIME)
    set(runtime "")
  endif()
  foreach(src IN LISTS runtime ARG_SOURCES)
    get_filename_component(abs "${src}" ABSOLUTE)
    get_filename_component(stem "${src}" NAME)
    set(obj "${objdir}/${stem}.o")
    set(src_defines "")
    if(NOT src IN_LIST runtime)
      set(src_defines ${defines}) # the guest's own sources only: the runtime stays the same objects
    endif()
    file(RELATIVE_PATH relobj "${CMAKE_BINARY_DIR}" "${obj}")
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${objdir}
      COMMAND ${VCM_AARCH64_CC} ${VCM_GUEST_CFLAGS} ${src_defines} -MD -MF ${obj}.d -c ${abs} -o ${obj}
      DEPENDS ${abs}
      DEPFILE ${obj}.d
      COMMENT "Cross-compiling guest object ${relobj}"
      VERBATIM)
    list(APPEND objects ${obj})
  endforeach()

  set(elf "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.elf")
  set(bin "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.bin")
  add_custom_command(
    OUTPUT ${elf} ${bin}
    COMMAND ${VCM_AARCH64_CC} ${VCM_GUEST_CFLAGS} -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments
            -T ${VCM_GUEST_LINKER_SCRIPT} ${objects} -lgcc -o ${elf}
    COMMAND ${VCM_AARCH64_OBJCOPY} -O binary ${elf} ${bin}
    DEPENDS ${objects} ${VCM_GUEST_LINKER_SCRIPT}
    COMMENT "Linking AArch64 guest ${ARG_NAME} (.elf and raw .bin)"
    VERBATIM)
  add_custom_target(guest_${ARG_NAME} ALL DEPENDS ${elf} ${bin})
  # An installed vcm finds its guests in PREFIX/share/vcm/guests (scenario_run.h: defaultGuestDirectory).
  install(FILES ${bin} DESTINATION ${CMAKE_INSTALL_DATADIR}/vcm/guests)
  add_dependencies(guest_${ARG_NAME} vcm_guest_linker_script)
  set_property(GLOBAL APPEND PROPERTY VCM_GUESTS ${ARG_NAME})
  set_property(GLOBAL PROPERTY VCM_GUEST_${ARG_NAME}_BIN ${bin})
endfunction()
