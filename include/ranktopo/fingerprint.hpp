// ranktopo — the plan's fingerprint: one 64-bit value that differs when
// anything a rank would create, name, share or tear down differs.
//
// Algorithm (stable across platforms, compilers and runs; no std::hash):
// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over this
// byte sequence, every integer little-endian:
//
//   "ranktopo-plan-v1"                          16 bytes, the format's tag
//   u32 number of options, then per option of ranktopo::options, in order:
//       str name, str value (option_text: "8", "true", "0.17.0rc1")
//       (an option marked silent_at_default is left out, and not counted,
//       while at its default: decode_context_parallel_size = 1 hashes as
//       before the option existed, so no earlier fingerprint changed)
//   u32 number of creations, then per creation:
//       str name, layout groups, layout members   (each layout coalesced)
//   u32 number of accessors, then per accessor in enum order:
//       u8 binding kind (0 none, 1 created, 2 borrowed tp), i32 creation index
//   u32 number of teardown steps, then i32 creation index per step
//
// where str is a u32 byte length then the bytes, and layout is a u32 mode
// count then i32 extent, i32 stride per mode. Options are iterated
// generically, so an option added to ranktopo::options is covered with no
// change here (its value through option_text).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ranktopo/config.hpp"
#include "ranktopo/layout.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo {

/// FNV-1a 64 over bytes fed in order; integers are fed little-endian.
class fnv1a64 {
public:
    static constexpr std::uint64_t offset_basis = 0xcbf29ce484222325ULL;
    static constexpr std::uint64_t prime = 0x100000001b3ULL;

    constexpr void byte(std::uint8_t b) noexcept {
        value_ ^= b;
        value_ *= prime;
    }
    constexpr void bytes(std::string_view text) noexcept {
        for (const char ch : text) byte(static_cast<std::uint8_t>(ch));
    }
    constexpr void u32(std::uint32_t v) noexcept {
        for (int shift = 0; shift < 32; shift += 8) byte(static_cast<std::uint8_t>(v >> shift));
    }
    constexpr void i32(int v) noexcept { u32(static_cast<std::uint32_t>(v)); }
    constexpr void count(std::size_t n) noexcept { u32(static_cast<std::uint32_t>(n)); }
    constexpr void str(std::string_view text) noexcept {
        count(text.size());
        bytes(text);
    }
    constexpr void modes(const layout& l) noexcept {
        const layout canonical = l.coalesce();
        count(static_cast<std::size_t>(canonical.mode_count()));
        for (const mode& m : canonical) {
            i32(m.extent);
            i32(m.stride);
        }
    }

    [[nodiscard]] constexpr std::uint64_t value() const noexcept { return value_; }

private:
    std::uint64_t value_ = offset_basis;
};

/// The fingerprint of plan `p` (see the top of this header).
[[nodiscard]] inline std::uint64_t fingerprint(const plan& p) {
    fnv1a64 h;
    h.bytes("ranktopo-plan-v1");
    std::size_t listed = 0;
    for (const option_info& o : options) listed += option_listed(p.topology, o) ? 1 : 0;
    h.count(listed);
    for (const option_info& o : options) {
        if (!option_listed(p.topology, o)) continue;  // decode_context_parallel_size = 1: as before it existed
        h.str(o.name);
        h.str(option_text(p.topology, o));
    }
    h.count(p.creations.size());
    for (const creation& made : p.creations) {
        h.str(made.name);
        h.modes(made.groups.groups());
        h.modes(made.groups.members());
    }
    h.count(p.handles.size());
    for (const binding& b : p.handles) {
        h.byte(static_cast<std::uint8_t>(b.source));
        h.i32(b.creation);
    }
    h.count(p.destroy_order.size());
    for (const int k : p.destroy_order) h.i32(k);
    return h.value();
}

/// The fingerprint of `c`'s plan; throws config_error as make_plan does.
[[nodiscard]] inline std::uint64_t fingerprint(const config& c) {
    return fingerprint(make_plan(c));
}

/// A fingerprint as 16 lower-case hex digits, as `ranktopo plan --fingerprint` prints it.
[[nodiscard]] inline std::string fingerprint_text(std::uint64_t value) {
    constexpr std::string_view digits = "0123456789abcdef";
    std::string text(16, '0');
    for (std::size_t i = 16; i-- > 0; value >>= 4U) text[i] = digits[value & 0xFU];
    return text;
}

}  // namespace ranktopo
