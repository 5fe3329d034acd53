# STATICGATE_STATIC=ON: every executable linked with -static (glibc, libstdc++ and all
# dependencies in the binary), for AWS Lambda's provided.al2023 runtime, where the binary runs
# on another distribution than the one that built it. scripts/build-lambda.sh prepares what
# Debian 12 lacks and drives this; see its header for why each dependency comes from where.
#
# This file defines the same targets as the dynamic find_package() block of CMakeLists.txt
# (tomlplusplus::tomlplusplus, spdlog::spdlog, fmt::fmt, PkgConfig::HTTPLIB, PkgConfig::CARES,
# PkgConfig::LIBXCRYPT, OpenSSL::Crypto, PkgConfig::CURL, pugixml::pugixml), so the rest of the
# build does not know which kind it is:
#   - fmt, spdlog and toml++ header-only (Debian ships them as shared libraries only);
#   - cpp-httplib header-only from STATICGATE_STATIC_PREFIX/include/httplib.h (upstream's
#     single header, not Debian's split one), with OpenSSL, zlib and Brotli as Debian's;
#   - libcurl from STATICGATE_STATIC_PREFIX/lib/libcurl.a (HTTP(S), OpenSSL, c-ares);
#   - OpenSSL, c-ares, libxcrypt, pugixml, zlib and Brotli from Debian's .a archives.
set(STATICGATE_STATIC_PREFIX "" CACHE PATH
    "Where scripts/build-lambda.sh installed the static libcurl and the single-header httplib.h")
if(NOT STATICGATE_STATIC_PREFIX)
  message(FATAL_ERROR "STATICGATE_STATIC=ON needs -DSTATICGATE_STATIC_PREFIX=... (run scripts/build-lambda.sh)")
endif()
if(STATICGATE_SANITIZE)
  message(FATAL_ERROR "STATICGATE_STATIC and STATICGATE_SANITIZE cannot be combined (the sanitizer runtimes are shared)")
endif()

add_link_options(-static)
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(THREADS_PREFER_PTHREAD_FLAG ON)

find_package(Threads REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
set(OPENSSL_USE_STATIC_LIBS TRUE)
find_package(OpenSSL REQUIRED)
# libcrypto.a needs these at the end of the link line.
set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${CMAKE_DL_LIBS} Threads::Threads)

function(staticgate_static_archive var name)
  find_library(${var} NAMES lib${name}.a REQUIRED NO_CACHE)
  set(${var} ${${var}} PARENT_SCOPE)
endfunction()

add_library(fmt::fmt INTERFACE IMPORTED)
target_compile_definitions(fmt::fmt INTERFACE FMT_HEADER_ONLY)

add_library(spdlog::spdlog INTERFACE IMPORTED)
target_compile_definitions(spdlog::spdlog INTERFACE SPDLOG_HEADER_ONLY SPDLOG_FMT_EXTERNAL)
target_link_libraries(spdlog::spdlog INTERFACE fmt::fmt Threads::Threads)

add_library(tomlplusplus::tomlplusplus INTERFACE IMPORTED)
target_compile_definitions(tomlplusplus::tomlplusplus INTERFACE TOML_HEADER_ONLY=1)

if(NOT EXISTS ${STATICGATE_STATIC_PREFIX}/include/httplib.h)
  message(FATAL_ERROR "${STATICGATE_STATIC_PREFIX}/include/httplib.h is missing (scripts/build-lambda.sh)")
endif()
add_library(PkgConfig::HTTPLIB INTERFACE IMPORTED)
# BEFORE: this header must win over Debian's split /usr/include/httplib.h.
target_include_directories(PkgConfig::HTTPLIB BEFORE INTERFACE ${STATICGATE_STATIC_PREFIX}/include)
# The same features as Debian's build (src/admin checks for them): OpenSSL, zlib, Brotli.
target_compile_definitions(PkgConfig::HTTPLIB INTERFACE CPPHTTPLIB_OPENSSL_SUPPORT CPPHTTPLIB_ZLIB_SUPPORT
                           CPPHTTPLIB_BROTLI_SUPPORT)
staticgate_static_archive(STATICGATE_Z_ARCHIVE z)
staticgate_static_archive(STATICGATE_BROTLIENC_ARCHIVE brotlienc)
staticgate_static_archive(STATICGATE_BROTLIDEC_ARCHIVE brotlidec)
staticgate_static_archive(STATICGATE_BROTLICOMMON_ARCHIVE brotlicommon)
target_link_libraries(PkgConfig::HTTPLIB INTERFACE OpenSSL::SSL OpenSSL::Crypto ${STATICGATE_BROTLIENC_ARCHIVE}
                      ${STATICGATE_BROTLIDEC_ARCHIVE} ${STATICGATE_BROTLICOMMON_ARCHIVE} ${STATICGATE_Z_ARCHIVE}
                      Threads::Threads)

staticgate_static_archive(STATICGATE_CARES_ARCHIVE cares)
add_library(PkgConfig::CARES INTERFACE IMPORTED)
target_compile_definitions(PkgConfig::CARES INTERFACE CARES_STATICLIB)
target_link_libraries(PkgConfig::CARES INTERFACE ${STATICGATE_CARES_ARCHIVE})

staticgate_static_archive(STATICGATE_XCRYPT_ARCHIVE crypt)
add_library(PkgConfig::LIBXCRYPT INTERFACE IMPORTED)
target_link_libraries(PkgConfig::LIBXCRYPT INTERFACE ${STATICGATE_XCRYPT_ARCHIVE})

if(NOT EXISTS ${STATICGATE_STATIC_PREFIX}/lib/libcurl.a)
  message(FATAL_ERROR "${STATICGATE_STATIC_PREFIX}/lib/libcurl.a is missing (scripts/build-lambda.sh)")
endif()
add_library(PkgConfig::CURL INTERFACE IMPORTED)
target_include_directories(PkgConfig::CURL BEFORE INTERFACE ${STATICGATE_STATIC_PREFIX}/include)
target_compile_definitions(PkgConfig::CURL INTERFACE CURL_STATICLIB)
target_link_libraries(PkgConfig::CURL INTERFACE ${STATICGATE_STATIC_PREFIX}/lib/libcurl.a OpenSSL::SSL OpenSSL::Crypto
                      PkgConfig::CARES Threads::Threads)

staticgate_static_archive(STATICGATE_PUGIXML_ARCHIVE pugixml)
add_library(pugixml::pugixml INTERFACE IMPORTED)
target_link_libraries(pugixml::pugixml INTERFACE ${STATICGATE_PUGIXML_ARCHIVE})

# CMake names each archive once on the link line, where a target first needs it, and libcurl.a
# lands after OpenSSL and c-ares there; a one-pass static link then misses their symbols. So
# the archives others depend on are named again at the very end of every link.
string(JOIN " " CMAKE_CXX_STANDARD_LIBRARIES ${CMAKE_CXX_STANDARD_LIBRARIES} ${STATICGATE_CARES_ARCHIVE}
       ${OPENSSL_SSL_LIBRARY} ${OPENSSL_CRYPTO_LIBRARY} ${STATICGATE_Z_ARCHIVE} -ldl -pthread)
