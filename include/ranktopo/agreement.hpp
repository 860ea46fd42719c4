// ranktopo — agreement: every rank checks, with one all_gather, that all
// ranks hold the same config before the first collective creation.
//
// Each rank encodes a fixed-size record (agreement::record_size bytes): the
// rank it passed to init, its plan's fingerprint, and one 16-byte text slot
// per option of ranktopo::options (iterated generically, so new options are
// covered) and per registry setting that changes which collectives run. A
// backend with all_gather (agreeing_backend) gathers every rank's record;
// every rank then runs the same deterministic comparison over the same
// bytes, so on a mismatch every rank throws the same agreement_error, and no
// rank goes on to a collective the others will not join.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ranktopo/config.hpp"
#include "ranktopo/error.hpp"
#include "ranktopo/fingerprint.hpp"
#include "ranktopo/plan.hpp"
#include "ranktopo/validate.hpp"
#include "ranktopo/version.hpp"

namespace ranktopo {

/// Ranks that disagree: on an option, an init setting, the rank they passed
/// or the order of lazy creations. Every rank of the parent throws the same
/// one (same what(), same option()).
class agreement_error : public error {
public:
    agreement_error(const std::string& what, std::string option) : error(what), option_(std::move(option)) {}

    /// What differs: an option's name ("mlp_tensor_parallel_size"), an init
    /// setting ("creation_mode"), or "rank", "world_size", "fingerprint",
    /// "record_format", "creation_order".
    [[nodiscard]] const std::string& option() const noexcept { return option_; }

private:
    std::string option_;
};

/// A backend that can compare what all ranks hold: every rank of the parent
/// calls all_gather once with a buffer of the same size; it returns
/// size() * mine.size() bytes, rank r's contribution at offset r * mine.size().
/// One collective. Optional: a registry over a backend without it skips agreement.
template <class B>
concept agreeing_backend = requires(B& b, std::span<const std::byte> mine) {
    { b.all_gather(mine) } -> std::same_as<std::vector<std::byte>>;
};

namespace agreement {

/// Bytes per rank, whatever the options: ranktopo builds with more options
/// still exchange records of this size, and are told their formats differ.
inline constexpr std::size_t record_size = 512;
inline constexpr std::size_t slot_size = 16;
inline constexpr std::size_t header_size = 48;
/// "rtagree1": the format of this record.
inline constexpr std::string_view magic = "rtagree1";

/// Options that legitimately differ between ranks, left out of the
/// comparison: local_rank is each process's node-local rank (it only names
/// the p_tp creation, never changes a collective).
inline constexpr std::array<std::string_view, 1> per_rank_options{"local_rank"};

/// A registry setting that decides which collectives a rank runs, compared
/// like an option.
struct setting {
    std::string_view name;
    std::string value;
};

/// The registry sends 5 settings; with 22 options (decode_context_parallel_size
/// the 22nd) the record uses 480 of its 512 bytes, room for 2 more options
/// before the format must grow (and its magic change).
inline constexpr std::size_t max_settings = 5;
static_assert(header_size + (options.size() + max_settings) * slot_size <= record_size,
              "the agreement record is full: grow record_size and change magic");

[[nodiscard]] constexpr bool is_per_rank(std::string_view option) noexcept {
    return std::find(per_rank_options.begin(), per_rank_options.end(), option) != per_rank_options.end();
}

/// `c` with the per-rank options at their defaults.
[[nodiscard]] inline config shared_part(config c) {
    const config defaults;
    for (const option_info& o : options) {
        if (!is_per_rank(o.name)) continue;
        if (o.integer != nullptr) c.*o.integer = defaults.*o.integer;
        if (o.boolean != nullptr) c.*o.boolean = defaults.*o.boolean;
        if (o.version != nullptr) c.*o.version = defaults.*o.version;
    }
    return c;
}

/// The fingerprint of the plan all ranks must share (per-rank options at
/// their defaults); 0 for a config make_plan refuses, which all ranks then
/// refuse alike after agreeing.
[[nodiscard]] inline std::uint64_t shared_fingerprint(const config& c) {
    try {
        return fingerprint(shared_part(c));
    } catch (const error&) {
        return 0;
    }
}

/// The slot names of a record: every option, then the settings.
[[nodiscard]] inline std::vector<std::string_view> slot_names(std::span<const setting> settings) {
    std::vector<std::string_view> names;
    names.reserve(options.size() + settings.size());
    for (const option_info& o : options) names.push_back(o.name);
    for (const setting& s : settings) names.push_back(s.name);
    return names;
}

namespace detail {

inline void put_u64(std::span<std::byte> out, std::size_t at, std::uint64_t v) noexcept {
    for (std::size_t i = 0; i < 8; ++i) out[at + i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFU);
}

[[nodiscard]] inline std::uint64_t get_u64(std::span<const std::byte> in, std::size_t at) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{std::to_integer<std::uint8_t>(in[at + i])} << (8 * i);
    return v;
}

/// Text into `size` bytes, zero-padded; text longer than that as '#' and
/// hex digits of its FNV-1a 64 (still compared exactly enough to differ).
inline void put_text(std::span<std::byte> out, std::size_t at, std::size_t size, std::string_view text) {
    std::string stored(text);
    if (stored.size() > size) {
        fnv1a64 h;
        h.bytes(text);
        stored = ("#" + fingerprint_text(h.value())).substr(0, size);
    }
    for (std::size_t i = 0; i < stored.size(); ++i) out[at + i] = static_cast<std::byte>(stored[i]);
}

[[nodiscard]] inline std::string get_text(std::span<const std::byte> in, std::size_t at, std::size_t size) {
    std::string text;
    for (std::size_t i = 0; i < size && in[at + i] != std::byte{0}; ++i) {
        text += static_cast<char>(std::to_integer<unsigned char>(in[at + i]));
    }
    return text;
}

/// "rank 0", "ranks 1-3", "ranks 0, 2-3, 5".
[[nodiscard]] inline std::string rank_list(const std::vector<int>& ranks) {
    std::string text = ranks.size() == 1 ? "rank " : "ranks ";
    for (std::size_t i = 0; i < ranks.size();) {
        std::size_t j = i;
        while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
        if (i > 0) text += ", ";
        text += std::to_string(ranks[i]);
        if (j > i) (text += "-") += std::to_string(ranks[j]);
        i = j + 1;
    }
    return text;
}

/// Ranks grouped by value: largest group first, then by first rank.
[[nodiscard]] inline std::vector<std::pair<std::string, std::vector<int>>> by_value(
    const std::vector<std::string>& values) {
    std::vector<std::pair<std::string, std::vector<int>>> groups;
    for (std::size_t r = 0; r < values.size(); ++r) {
        auto same = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == values[r]; });
        if (same == groups.end()) same = groups.insert(groups.end(), {values[r], {}});
        same->second.push_back(static_cast<int>(r));
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
    return groups;
}

/// "ranks 1-3 have mlp_tensor_parallel_size=2, rank 0 has 0".
[[nodiscard]] inline std::string who_has(std::string_view what, const std::vector<std::string>& values) {
    std::string text;
    bool first = true;
    for (const auto& [value, ranks] : by_value(values)) {
        text += ranktopo::detail::cat(first ? "" : ", ", rank_list(ranks), ranks.size() == 1 ? " has " : " have ",
                                      first ? ranktopo::detail::cat(what, "=") : std::string(), value);
        first = false;
    }
    return text;
}

}  // namespace detail

/// This rank's record: `rank` as passed to init, whether it passed an
/// engine TP handle, `c`'s options and `settings` (at most max_settings).
/// Bytes, integers little-endian, the rest zero:
///   0   "rtagree1"             8   u64 slot count        16  i64 rank
///   24  u64 shared_fingerprint 32  ranktopo version (8)  40  u8 TP handle given
///   48  one 16-byte text slot per option of ranktopo::options, then per setting
[[nodiscard]] inline std::vector<std::byte> encode(const config& c, int rank, bool tp_given,
                                                   std::span<const setting> settings) {
    if (settings.size() > max_settings) {
        throw state_error(ranktopo::detail::cat("ranktopo::agreement::encode: ", settings.size(),
                                                " settings, but a record holds ", max_settings));
    }
    std::vector<std::byte> out(record_size);
    const std::span<std::byte> record(out);
    detail::put_text(record, 0, 8, magic);
    detail::put_u64(record, 8, options.size() + settings.size());
    detail::put_u64(record, 16, static_cast<std::uint64_t>(static_cast<std::int64_t>(rank)));
    detail::put_u64(record, 24, shared_fingerprint(c));
    detail::put_text(record, 32, 8, version_string);
    record[40] = tp_given ? std::byte{1} : std::byte{0};
    std::size_t at = header_size;
    for (const option_info& o : options) {
        detail::put_text(record, at, slot_size, option_text(c, o));
        at += slot_size;
    }
    for (const setting& s : settings) {
        detail::put_text(record, at, slot_size, s.value);
        at += slot_size;
    }
    return out;
}

/// What the gathered records say, once they agree.
struct outcome {
    std::vector<int> with_tp;     ///< ranks that passed an engine TP handle
    std::vector<int> without_tp;  ///< ranks that passed none
};

/// Compares the gathered records (`gathered`: every rank's, in rank order)
/// and throws agreement_error, attributed to `function`, for the first
/// difference: the record format, an option or setting (per-rank options
/// aside), world_size against the parent's size, a rank passed to init
/// other than the rank's position, the plan fingerprint. The same bytes give
/// the same error on every rank.
[[nodiscard]] inline outcome check(std::span<const std::byte> gathered, std::span<const setting> settings,
                                   const char* function) {
    using ranktopo::detail::cat;
    if (gathered.empty() || gathered.size() % record_size != 0) {
        throw agreement_error(cat(function, ": all_gather returned ", gathered.size(),
                                  " bytes, not a multiple of the record size ", record_size),
                              "record_format");
    }
    const std::size_t n = gathered.size() / record_size;
    const auto record = [&](std::size_t r) { return gathered.subspan(r * record_size, record_size); };
    const auto column = [&](auto read) {
        std::vector<std::string> values;
        for (std::size_t r = 0; r < n; ++r) values.push_back(read(record(r)));
        return values;
    };
    const auto differ = [](const std::vector<std::string>& values) {
        return std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) != values.end();
    };

    const std::vector<std::string_view> names = slot_names(settings);
    const std::vector<std::string> formats = column([&](std::span<const std::byte> in) {
        return cat(detail::get_text(in, 0, 8), " with ", detail::get_u64(in, 8), " slots (ranktopo ",
                   detail::get_text(in, 32, 8), ")");
    });
    if (differ(formats)) {
        throw agreement_error(cat(function, ": the ranks run ranktopo builds that cannot compare configs: ",
                                  detail::who_has("record", formats), "; use one ranktopo build on every rank"),
                              "record_format");
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (is_per_rank(names[i])) continue;
        const std::size_t at = header_size + i * slot_size;
        const std::vector<std::string> values = column(
            [&](std::span<const std::byte> in) { return detail::get_text(in, at, slot_size); });
        if (differ(values)) {
            throw agreement_error(cat(function, ": the ranks' configs differ: ", detail::who_has(names[i], values),
                                      "; every rank must pass the same config and init settings",
                                      " (of the options, only local_rank may differ)"),
                                  std::string(names[i]));
        }
    }
    const std::string world = detail::get_text(record(0), header_size, slot_size);  // options[0] is world_size
    static_assert(options[0].name == "world_size");
    if (world != std::to_string(n)) {
        throw agreement_error(cat(function, ": world_size is ", world, " on every rank but the backend's parent has ",
                                  n, " ranks; run ", world, " processes or set world_size to ", n),
                              "world_size");
    }
    std::string wrong;
    for (std::size_t r = 0; r < n; ++r) {
        const auto passed = static_cast<std::int64_t>(detail::get_u64(record(r), 16));
        if (passed == static_cast<std::int64_t>(r)) continue;
        wrong += cat(wrong.empty() ? "" : ", ", "rank ", r, " passed ", passed);
    }
    if (!wrong.empty()) {
        throw agreement_error(cat(function, ": the rank passed to init must be the rank's position in the backend's ",
                                  "parent, but ", wrong, "; pass the backend's own rank"),
                              "rank");
    }
    const std::vector<std::string> prints = column(
        [](std::span<const std::byte> in) { return fingerprint_text(detail::get_u64(in, 24)); });
    if (differ(prints)) {
        throw agreement_error(
            cat(function, ": the same config gives different plans: ", detail::who_has("plan fingerprint", prints),
                "; the ranks run different ranktopo builds (see ranktopo plan --fingerprint)"),
            "fingerprint");
    }
    outcome out;
    for (std::size_t r = 0; r < n; ++r) {
        (record(r)[40] == std::byte{0} ? out.without_tp : out.with_tp).push_back(static_cast<int>(r));
    }
    return out;
}

}  // namespace agreement
}  // namespace ranktopo
