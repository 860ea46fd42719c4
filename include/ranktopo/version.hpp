// ranktopo — the version, defined here once; CMake parses these three lines.
#pragma once

#define RANKTOPO_VERSION_MAJOR 0
#define RANKTOPO_VERSION_MINOR 1
#define RANKTOPO_VERSION_PATCH 0

#define RANKTOPO_DETAIL_STRINGIFY2(x) #x
#define RANKTOPO_DETAIL_STRINGIFY(x) RANKTOPO_DETAIL_STRINGIFY2(x)

namespace ranktopo {
inline constexpr int version_major = RANKTOPO_VERSION_MAJOR;
inline constexpr int version_minor = RANKTOPO_VERSION_MINOR;
inline constexpr int version_patch = RANKTOPO_VERSION_PATCH;
inline constexpr const char* version_string =
    RANKTOPO_DETAIL_STRINGIFY(RANKTOPO_VERSION_MAJOR) "." RANKTOPO_DETAIL_STRINGIFY(
        RANKTOPO_VERSION_MINOR) "." RANKTOPO_DETAIL_STRINGIFY(RANKTOPO_VERSION_PATCH);
}  // namespace ranktopo
