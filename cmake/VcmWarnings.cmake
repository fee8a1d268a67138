# Warnings are errors for project code only: vcm_target_warnings() is applied to each project target,
# never globally, so third-party headers found through the system include path are not affected.
function(vcm_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror
    -Wshadow -Wconversion -Wsign-conversion -Wcast-align -Wimplicit-fallthrough -Wmissing-declarations
    # C++ only (a C shim over a C library's header, such as analyzer/src/trace_cmd_input.c, gets the rest)
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual>)
endfunction()

# Every project library and executable: warnings plus the shared language settings.
function(vcm_project_target target)
  vcm_target_warnings(${target})
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()
