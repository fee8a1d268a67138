# Finds every external dependency. A missing one stops configuration with the Debian package that
# provides it and the script that installs it, instead of CMake's generic "could not find" text.
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "vcm: pkg-config not found. Install the Debian package 'pkg-config' "
                      "(run: bash scripts/install-deps.sh)")
endif()

macro(vcm_missing what package)
  message(FATAL_ERROR "vcm: ${what} not found. Install the Debian package '${package}' "
                      "(run: bash scripts/install-deps.sh)")
endmacro()

# find_package() with a CMake config package; QUIET so our message is the one the user reads.
macro(vcm_find_config name package)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    vcm_missing("${name}" "${package}")
  endif()
endmacro()

# pkg_check_modules() into an imported target PkgConfig::<prefix>.
macro(vcm_find_pkgconfig prefix module package)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    vcm_missing("pkg-config module '${module}'" "${package}")
  endif()
endmacro()

vcm_find_config(fmt libfmt-dev)
vcm_find_config(CLI11 libcli11-dev)
vcm_find_config(nlohmann_json nlohmann-json3-dev)
vcm_find_config(tomlplusplus libtomlplusplus-dev)
vcm_find_pkgconfig(UNICORN unicorn libunicorn-dev)
# Debian's libunicorn exports its own copy of GLib's hash-table functions (QEMU's glib_compat). In a process
# that also uses real GLib (Babeltrace2 does), whichever library comes first in the global symbol scope wins
# for both, and mixing the two layouts crashes. Every target that links Unicorn links the real GLib first,
# so all callers, Unicorn included (it calls them through its PLT), use one implementation.
find_library(VCM_GLIB NAMES glib-2.0 libglib-2.0.so.0)
if(NOT VCM_GLIB)
  vcm_missing("libglib-2.0" "libglib2.0-0")
endif()
vcm_find_pkgconfig(LTTNG_UST lttng-ust liblttng-ust-dev)
vcm_find_pkgconfig(LTTNG_CTL lttng-ctl liblttng-ctl-dev)
vcm_find_pkgconfig(BABELTRACE2 babeltrace2 libbabeltrace2-dev)
vcm_find_pkgconfig(SQLITE3 sqlite3 libsqlite3-dev)
# trace-cmd files of real KVM (analyzer/src/kvm_trace_reader.cpp); libtracecmd's pkg-config file requires
# libtracefs's, and its header includes tracefs.h.
vcm_find_pkgconfig(TRACECMD "libtracecmd;libtraceevent" "libtracecmd-dev libtracefs-dev libtraceevent-dev")
vcm_find_pkgconfig(NETTLE nettle nettle-dev)
# libfdt builds the virt board's device tree; Debian's libfdt-dev ships no pkg-config file.
find_library(VCM_LIBFDT NAMES fdt)
find_path(VCM_LIBFDT_INCLUDE NAMES libfdt.h)
if(NOT VCM_LIBFDT OR NOT VCM_LIBFDT_INCLUDE)
  vcm_missing("libfdt" "libfdt-dev")
endif()

if(VCM_BUILD_GUI)
  find_package(Qt6 QUIET COMPONENTS Core Gui Widgets Test)
  if(NOT Qt6_FOUND)
    vcm_missing("Qt 6 (Core, Gui, Widgets, Test)" "qt6-base-dev")
  endif()
  find_package(Qt6Svg QUIET)
  if(NOT Qt6Svg_FOUND)
    vcm_missing("Qt 6 SVG" "qt6-svg-dev")
  endif()
endif()

if(VCM_BUILD_TESTS)
  vcm_find_config(GTest libgtest-dev)
  vcm_find_config(benchmark libbenchmark-dev)
  include(GoogleTest)
endif()

# The lttng session daemon and the babeltrace2 CLI are runtime tools, not link dependencies.
find_program(VCM_LTTNG_SESSIOND lttng-sessiond)
if(NOT VCM_LTTNG_SESSIOND)
  vcm_missing("lttng-sessiond" "lttng-tools")
endif()
