# The Debian package of vcm (CPack's DEB generator): vcm, vcm-gui, the shipped scenarios, the guests and the
# docs, installable with `apt-get install ./vcm_VERSION_ARCH.deb`. scripts/package.sh builds it and
# tests/package/install_and_run.sh installs it and runs a scenario from the installed files (CI step).
#
# Library dependencies come from dpkg-shlibdeps (dpkg-dev) over the installed executables, so they name the
# Debian packages the binaries were linked against. Packages vcm runs rather than links are listed by hand:
# lttng-tools (vcm run --trace starts lttng-sessiond, --live lttng-relayd). Debian's u-boot-qemu, qemu-efi-aarch64
# and the arm64 kernel are firmware and guests some scenarios boot; they are suggested, not required.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "vcm")
set(CPACK_PACKAGE_VENDOR "vcm")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "laboratory for virtualized cache maintenance on Arm")
set(CPACK_PACKAGE_DESCRIPTION "An emulated EL2 hypervisor running AArch64 guests over a modelled cache hierarchy \
that holds data and reports stale reads, under the set/way and TVM policies of Xen and KVM; LTTng tracing, a \
Babeltrace2-to-SQLite analyzer with detectors and CI rules, replay, seed hunts and a Qt timeline.")
set(CPACK_PACKAGE_CONTACT "vcm developers <vcm@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # vcm_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "lttng-tools")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "u-boot-qemu, qemu-efi-aarch64, slurm-client")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/package")
include(CPack)
