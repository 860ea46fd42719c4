// ranktopo — JSON config loading and streamed plan output.
#include <array>
#include <bit>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "ranktopo/io.hpp"
#include "ranktopo/validate.hpp"

namespace ranktopo {
namespace {

using detail::cat;

[[noreturn]] void refuse(const char* function, std::string option, std::string message) {
    throw config_error(function, {{std::move(option), std::move(message)}});
}

std::string_view type_name(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::null: return "null";
        case nlohmann::json::value_t::object: return "an object";
        case nlohmann::json::value_t::array: return "an array";
        case nlohmann::json::value_t::string: return "a string";
        case nlohmann::json::value_t::boolean: return "a boolean";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned: return "an integer";
        case nlohmann::json::value_t::number_float: return "a number with a fraction or exponent";
        default: return "a binary value";
    }
}

std::string shortened(const nlohmann::json& value) {
    std::string text = value.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
}

const option_info& known_option(const char* function, std::string_view key) {
    const option_info* info = find_option(key);
    if (info == nullptr) {
        std::string known;
        for (const option_info& o : options) known += cat(known.empty() ? "" : ", ", o.name);
        refuse(function, std::string(key), cat("unknown option '", key, "' (known: ", known, ")"));
    }
    return *info;
}

/// Range problems of one option only, so a bad value is reported by its own key.
void check_option_range(const char* function, const config& c, const option_info& info) {
    std::vector<problem> found;
    detail::check_ranges(c, found);
    for (problem& p : found) {
        if (p.option == info.name) refuse(function, std::move(p.option), std::move(p.message));
    }
}

void assign_json(config& c, const std::string& key, const nlohmann::json& value) {
    constexpr const char* function = "ranktopo::parse_config";
    const option_info& info = known_option(function, key);
    if (info.boolean != nullptr) {
        if (!value.is_boolean()) {
            refuse(function, key, cat(key, " must be true or false, got ", type_name(value), " (", shortened(value), ")"));
        }
        c.*info.boolean = value.get<bool>();
        return;
    }
    if (!value.is_number_integer()) {
        refuse(function, key, cat(key, " must be an integer, got ", type_name(value), " (", shortened(value), ")"));
    }
    if (value.is_number_unsigned() ? value.get<std::uint64_t>() > std::uint64_t{INT_MAX}
                                   : (value.get<std::int64_t>() > INT_MAX || value.get<std::int64_t>() < INT_MIN)) {
        refuse(function, key, cat(key, " (", value.dump(), ") is outside the range of a 32-bit int"));
    }
    c.*info.integer = value.get<int>();
    check_option_range(function, c, info);
}

}  // namespace

config parse_config(std::string_view json_text, const config& base) {
    constexpr const char* function = "ranktopo::parse_config";
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(json_text.begin(), json_text.end());
    } catch (const nlohmann::json::parse_error& e) {
        // nlohmann's message starts with "[json.exception.parse_error.101] "; keep what follows.
        std::string_view what = e.what();
        if (const auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
        refuse(function, "config", cat("not valid JSON: ", what));
    }
    if (!document.is_object()) {
        refuse(function, "config", cat("the config must be a JSON object, got ", type_name(document)));
    }
    config c = base;
    for (const auto& [key, value] : document.items()) assign_json(c, key, value);
    if (c.world_size == 0 && !document.contains("world_size")) {
        refuse(function, "world_size", "world_size is required");
    }
    // Keys arrive in any order: checks across options (local_rank < world_size) run once all are set.
    if (std::vector<problem> found; detail::check_ranges(c, found), !found.empty()) {
        throw config_error(function, std::move(found));
    }
    return c;
}

void set_option(config& c, std::string_view assignment) {
    constexpr const char* function = "ranktopo::set_option";
    const auto equals = assignment.find('=');
    if (equals == std::string_view::npos) {
        refuse(function, std::string(assignment), cat("'", assignment, "' is not of the form key=value"));
    }
    const std::string_view key = assignment.substr(0, equals);
    const std::string_view text = assignment.substr(equals + 1);
    const option_info& info = known_option(function, key);
    if (info.boolean != nullptr) {
        if (text != "true" && text != "false") {
            refuse(function, std::string(key), cat(key, " must be true or false, got '", text, "'"));
        }
        c.*info.boolean = text == "true";
        return;
    }
    long long value = 0;
    const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (status == std::errc::result_out_of_range ||
        (status == std::errc{} && end == text.data() + text.size() && (value > INT_MAX || value < INT_MIN))) {
        refuse(function, std::string(key), cat(key, " (", text, ") is outside the range of a 32-bit int"));
    }
    if (status != std::errc{} || end != text.data() + text.size()) {
        refuse(function, std::string(key), cat(key, " must be an integer, got '", text, "'"));
    }
    config updated = c;  // c is untouched unless the value is valid
    updated.*info.integer = static_cast<int>(value);
    check_option_range(function, updated, info);
    c = updated;
}

std::string to_json(const config& c) {
    nlohmann::ordered_json document = nlohmann::ordered_json::object();
    for (const option_info& o : options) {
        if (o.boolean != nullptr) {
            document[std::string(o.name)] = c.*o.boolean;
        } else {
            document[std::string(o.name)] = c.*o.integer;
        }
    }
    return document.dump();
}

namespace {

/// "00".."99": one table read gives two digits, halving the divisions.
constexpr std::array<char, 200> digit_pairs = [] {
    std::array<char, 200> pairs{};
    for (std::size_t i = 0; i < 100; ++i) {
        pairs[2 * i] = static_cast<char>('0' + i / 10);
        pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
    return pairs;
}();

/// 10^k, except 0 for k = 0 so that the value 0 has one digit.
constexpr std::array<std::uint32_t, 10> digit_thresholds{0,      10,      100,      1000,      10000,
                                                         100000, 1000000, 10000000, 100000000, 1000000000};

/// Number of decimal digits of `value`, without a loop: log10 from log2.
constexpr int decimal_length(std::uint32_t value) noexcept {
    const int guess = (std::bit_width(value | 1U) * 1233) >> 12;  // 1233 / 4096 ≈ log10(2)
    return guess + 1 - (value < digit_thresholds[static_cast<std::size_t>(guess)] ? 1 : 0);
}

/// Writes `value` in decimal at `out`, two digits per step; returns the end.
inline char* format_by_pairs(char* out, std::uint32_t value) noexcept {
    char* const end = out + decimal_length(value);
    char* cursor = end;
    while (value >= 100) {
        cursor -= 2;
        std::memcpy(cursor, &digit_pairs[2 * (value % 100)], 2);
        value /= 100;
    }
    if (value >= 10) {
        std::memcpy(cursor - 2, &digit_pairs[2 * value], 2);
    } else {
        cursor[-1] = static_cast<char>('0' + value);
    }
    return end;
}

/// The 8 decimal digits of `value` < 10^8 as byte values 0..9, the most
/// significant in the lowest byte: divisions by 10^4, 10^2 and 10 done on
/// all lanes of one 64-bit word at once (each constant multiply-shift is
/// exact for the lane's range), with no loop and no table.
constexpr std::uint64_t eight_digits(std::uint32_t value) noexcept {
    std::uint64_t x = (value / 10000) | (std::uint64_t{value % 10000} << 32);  // 2 lanes < 10^4
    const std::uint64_t hundreds = ((x * 10486) >> 20) & 0x0000007F0000007FULL;
    x = hundreds | ((x - hundreds * 100) << 16);  // 4 lanes < 100
    const std::uint64_t tens = ((x * 103) >> 10) & 0x000F000F000F000FULL;
    return tens | ((x - tens * 10) << 8);  // 8 lanes < 10
}

/// Writes `value` in decimal at `out`; returns the end. Stores up to 10
/// chars past `out` whatever the length: callers reserve 11.
inline char* format_unsigned(char* out, std::uint32_t value) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        if (value < 100000000) {  // every rank below 10^8: branchless
            const std::uint64_t digits = eight_digits(value);
            // Leading zero digits are the low zero bytes; the last digit always counts.
            const int leading_zeros = std::countr_zero(digits | (std::uint64_t{1} << 56)) / 8;
            const std::uint64_t text = (digits + 0x3030303030303030ULL) >> (8 * leading_zeros);
            std::memcpy(out, &text, sizeof text);
            return out + (8 - leading_zeros);
        }
    }
    return format_by_pairs(out, value);
}

/// Writes `value` (any int) in decimal at `out`; returns the end. At most 11 chars.
inline char* format_int(char* out, int value) noexcept {
    auto magnitude = static_cast<std::uint32_t>(value);
    if (value < 0) {
        *out++ = '-';
        magnitude = 0U - magnitude;
    }
    return format_unsigned(out, magnitude);
}

/// Formats straight into a fixed block and hands the stream whole blocks:
/// one stream call per block, a bounds check per number, nothing per char.
class block_writer {
public:
    explicit block_writer(std::ostream& out) : out_(out), block_(new char[block_size]), cursor_(block_.get()) {}
    block_writer(const block_writer&) = delete;
    block_writer& operator=(const block_writer&) = delete;
    ~block_writer() = default;

    void text(std::string_view s) {
        if (s.size() > block_size) {
            flush();
            out_.write(s.data(), static_cast<std::streamsize>(s.size()));
            return;
        }
        reserve(s.size());
        std::memcpy(cursor_, s.data(), s.size());
        cursor_ += s.size();
    }
    void number(int value) {
        reserve(max_int_chars);
        cursor_ = format_int(cursor_, value);
    }

    /// Rows of `group_size` ranks (non-negative ints): [[a,b],[c,d]].
    void groups(std::span<const int> ranks, int group_size) {
        // Per number, at most "],[" and its digits.
        constexpr std::size_t max_item_chars = 3 + max_int_chars;
        reserve(1);
        *cursor_++ = '[';
        const auto row = static_cast<std::size_t>(group_size);
        for (std::size_t start = 0; start < ranks.size(); start += row) {
            reserve(max_item_chars);
            if (start == 0) {
                *cursor_++ = '[';
            } else {
                std::memcpy(cursor_, "],[", 3);
                cursor_ += 3;
            }
            cursor_ = format_unsigned(cursor_, static_cast<std::uint32_t>(ranks[start]));
            for (std::size_t i = start + 1; i < start + row; ++i) {
                reserve(max_item_chars);
                *cursor_++ = ',';
                cursor_ = format_unsigned(cursor_, static_cast<std::uint32_t>(ranks[i]));
            }
        }
        reserve(2);
        std::memcpy(cursor_, "]]", 2);
        cursor_ += 2;
    }

    void flush() {
        const auto size = static_cast<std::streamsize>(cursor_ - block_.get());
        if (size > 0) out_.write(block_.get(), size);
        cursor_ = block_.get();
    }

private:
    static constexpr std::size_t block_size = std::size_t{1} << 20;
    static constexpr std::size_t max_int_chars = 11;

    /// Room for `size` more chars, flushing first if the block lacks it.
    void reserve(std::size_t size) {
        if (static_cast<std::size_t>(block_.get() + block_size - cursor_) < size) flush();
    }

    std::ostream& out_;
    std::unique_ptr<char[]> block_;
    char* cursor_;
};

}  // namespace

void write_plan_json(std::ostream& out, const plan& p) {
    block_writer w(out);
    std::vector<int> ranks;
    w.text("{\"creations\":[");
    for (std::size_t i = 0; i < p.creations.size(); ++i) {
        const creation& made = p.creations[i];
        // Names are ours (identifiers and digits): nothing to escape.
        w.text(i == 0 ? "{\"name\":\"" : ",{\"name\":\"");
        w.text(made.name);
        w.text("\",\"groups\":");
        ranks.resize(static_cast<std::size_t>(made.groups.world_size()));
        made.groups.write(ranks);
        w.groups(ranks, made.groups.group_size());
        w.text("}");
    }
    w.text("],\"handles\":{");
    bool first = true;
    for (std::size_t a = 0; a < accessor_count; ++a) {
        const binding& b = p.handles[a];
        if (b.source == binding::kind::none) continue;
        w.text(first ? "\"" : ",\"");
        first = false;
        w.text(accessor_names[a]);
        w.text("\":");
        if (b.source == binding::kind::borrowed_tp) {
            w.text("\"borrowed:tp\"");
        } else {
            w.number(b.creation);
        }
    }
    w.text("},\"destroy_order\":[");
    for (std::size_t i = 0; i < p.destroy_order.size(); ++i) {
        if (i > 0) w.text(",");
        w.number(p.destroy_order[i]);
    }
    w.text("]}\n");
    w.flush();
}

}  // namespace ranktopo
