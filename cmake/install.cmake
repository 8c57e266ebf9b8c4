# cmake --install: what a distribution packages and another program links.
#
#   bin/findscu, bin/dicomdump            linked with libdq.a (self-contained)
#   lib/libdq.a, lib/libdq.so.<major>     (the .so unless DQ_BUILD_SHARED=OFF)
#   include/dq/*.h                        public headers and the public
#                                         generated headers beside them
#   lib/pkgconfig/dq.pc                   pkg-config --cflags --libs dq
#   lib/cmake/dq/dqConfig*.cmake          find_package(dq CONFIG) -> dq::dq
#   share/man/man1/{findscu,dicomdump}.1, share/doc/dq/{README.md,LICENSE}
#
# Paths are GNUInstallDirs'; DESTDIR is honoured (CMake does it for every
# install() rule, including the generated dq.pc below).

# ---- Headers ------------------------------------------------------------------
# The public headers are dq.h and those src/CMakeLists.txt assigns to a layer.
# Public generated headers are the dq_gen_*_codes.h constant headers (enums and
# macros, no tables): a public header may include one of those and no other
# generated header, so that no private header is ever needed by a user.
set(DQ_INSTALL_HEADERS ${DQ_PUBLIC_HEADERS})
set(DQ_INSTALL_GENERATED_HEADERS "")
foreach(h IN LISTS DQ_INSTALL_HEADERS)
  file(STRINGS "${PROJECT_SOURCE_DIR}/include/dq/${h}" _includes REGEX "^#include \"dq_gen_")
  foreach(line IN LISTS _includes)
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" g "${line}")
    if(NOT g MATCHES "^dq_gen_[a-z0-9_]+_codes\\.h$")
      message(FATAL_ERROR "include/dq/${h} includes the private generated header ${g}: "
        "a public header may only include dq_gen_*_codes.h (installed with it)")
    endif()
    list(APPEND DQ_INSTALL_GENERATED_HEADERS "${DQ_GENERATED_DIR}/${g}")
  endforeach()
endforeach()
list(REMOVE_DUPLICATES DQ_INSTALL_GENERATED_HEADERS)
list(TRANSFORM DQ_INSTALL_HEADERS PREPEND "${PROJECT_SOURCE_DIR}/include/dq/")
install(FILES ${DQ_INSTALL_HEADERS} ${DQ_INSTALL_GENERATED_HEADERS}
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/dq")

# ---- Libraries and tools ------------------------------------------------------
set(DQ_INSTALL_LIBS dq)
if(DQ_BUILD_SHARED)
  list(APPEND DQ_INSTALL_LIBS dq_shared)
endif()
install(TARGETS ${DQ_INSTALL_LIBS} EXPORT dqTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" NAMELINK_COMPONENT Development
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS findscu dicomdump RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(FILES man/findscu.1 man/dicomdump.1 DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
install(FILES README.md LICENSE DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# ---- Private dependencies (DQ_PRIVATE_DEPS) -----------------------------------
# pkg-config modules for Requires.private, CMake packages for find_dependency().
set(DQ_PC_REQUIRES_PRIVATE "")
set(DQ_CONFIG_PACKAGES "")
foreach(dep IN LISTS DQ_PRIVATE_DEPS)
  string(REPLACE "|" ";" dep "${dep}")
  list(GET dep 0 module)
  list(GET dep 1 package)
  list(APPEND DQ_PC_REQUIRES_PRIVATE ${module})
  list(APPEND DQ_CONFIG_PACKAGES ${package})
endforeach()
list(JOIN DQ_PC_REQUIRES_PRIVATE ", " DQ_PC_REQUIRES_PRIVATE)

# ---- dq.pc ----------------------------------------------------------------------
# Written at install time, when the prefix (cmake --install --prefix P) is known.
foreach(d LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${d}}")
    set(DQ_PC_${d} "${CMAKE_INSTALL_${d}}")
  else()
    set(DQ_PC_${d} "\${prefix}/${CMAKE_INSTALL_${d}}")
  endif()
endforeach()
set(DQ_PC_PREFIX "@DQ_PC_PREFIX@") # left for the install-time pass
configure_file("${PROJECT_SOURCE_DIR}/cmake/dq.pc.in" "${PROJECT_BINARY_DIR}/dq.pc.stage" @ONLY)
install(CODE "set(DQ_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
configure_file(\"${PROJECT_BINARY_DIR}/dq.pc.stage\" \"${PROJECT_BINARY_DIR}/dq.pc\" @ONLY)")
install(FILES "${PROJECT_BINARY_DIR}/dq.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

# ---- CMake package: find_package(dq 0.2 CONFIG) -> dq::dq ---------------------
include(CMakePackageConfigHelpers)
set(DQ_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/dq")
install(EXPORT dqTargets NAMESPACE dq:: DESTINATION "${DQ_CMAKEDIR}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/dqConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/dqConfig.cmake" INSTALL_DESTINATION "${DQ_CMAKEDIR}")
# Before 1.0 a minor release may change the API: 0.2 accepts 0.2.x only.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/dqConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/dqConfig.cmake" "${PROJECT_BINARY_DIR}/dqConfigVersion.cmake"
  DESTINATION "${DQ_CMAKEDIR}")
