# Every third-party dependency, found once, behind stable target names.
# All of them come from Debian 12 packages installed by ci/install-deps.sh.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)  # module mode: Debian's protobuf 3.21 ships no CMake config
find_package(absl CONFIG REQUIRED)

find_package(gRPC CONFIG QUIET)
if(NOT gRPC_FOUND)
  # Fallback for systems whose gRPC CMake export is incomplete.
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
  find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
  add_library(gRPC::grpc++ ALIAS PkgConfig::GRPCPP)
  add_executable(gRPC::grpc_cpp_plugin IMPORTED)
  set_target_properties(gRPC::grpc_cpp_plugin PROPERTIES IMPORTED_LOCATION "${GRPC_CPP_PLUGIN}")
endif()

find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 QUIET)
if(NOT TARGET CLI11::CLI11)
  add_library(cs_cli11 INTERFACE)
  add_library(CLI11::CLI11 ALIAS cs_cli11)
endif()
find_package(spdlog CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)

if(CS_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
  find_package(rapidcheck CONFIG REQUIRED)
endif()
if(CS_BUILD_BENCHMARKS)
  find_package(benchmark CONFIG REQUIRED)
endif()
