// ranktopo — JSON config loading and streamed plan output.
#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_strict.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/nearest.hpp"
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
        std::array<std::string_view, options.size()> names{};
        for (std::size_t i = 0; i < options.size(); ++i) names[i] = options[i].name;
        const std::optional<std::string_view> near = nearest_name(key, names);
        refuse(
            function, std::string(key),
            near ? cat("unknown option '", key, "'; did you mean '", *near, "'?") : cat("unknown option '", key, "'"));
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
    if (info.version != nullptr) {
        if (!value.is_string()) {
            refuse(
                function, key,
                cat(key, " must be a string such as \"0.18.0\", got ", type_name(value), " (", shortened(value), ")"));
        }
        c.*info.version = parse_release(value.get_ref<const std::string&>(), function);
        return;
    }
    if (info.boolean != nullptr) {
        if (!value.is_boolean()) {
            refuse(function, key,
                   cat(key, " must be true or false, got ", type_name(value), " (", shortened(value), ")"));
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

/// One object or array being parsed: the keys seen so far, with their values.
struct json_frame {
    bool object = false;
    std::string key;
    std::vector<std::pair<std::string, std::string>> seen;
};

std::string path_of(const std::vector<json_frame>& stack) {
    std::string path;
    for (const json_frame& f : stack) {
        if (f.object) path += cat(path.empty() ? "" : ".", f.key);
        else path += "[]";
    }
    return path;
}

}  // namespace

nlohmann::json detail::parse_strict(std::string_view text, const char* function, const std::string& source,
                                    const std::string& prefix) {
    std::vector<json_frame> stack;
    // A value is complete: remember it under its key, or refuse a key seen before in this object.
    const auto complete = [&](const nlohmann::json& value) {
        if (stack.empty() || !stack.back().object) return;
        json_frame& top = stack.back();
        for (const auto& [key, first] : top.seen) {
            if (key == top.key) {
                refuse(function, source,
                       cat(prefix, "duplicate key '", path_of(stack), "' (", first, ", then ", shortened(value), ")"));
            }
        }
        top.seen.emplace_back(top.key, shortened(value));
    };
    // Every input ranktopo reads is a few levels deep; a limit keeps the
    // per-level work above (a value shortened per completed level) linear.
    constexpr std::size_t max_depth = 64;
    const auto open = [&](bool object) {
        if (stack.size() == max_depth) {
            refuse(function, source,
                   cat(prefix, "JSON nested deeper than ", max_depth, " levels at '", path_of(stack), "'"));
        }
        stack.push_back({object, {}, {}});
    };
    const nlohmann::json::parser_callback_t callback = [&](int /*depth*/, nlohmann::json::parse_event_t event,
                                                           nlohmann::json& parsed) {
        using event_t = nlohmann::json::parse_event_t;
        switch (event) {
            case event_t::object_start: open(true); break;
            case event_t::array_start: open(false); break;
            case event_t::key: stack.back().key = parsed.get<std::string>(); break;
            case event_t::object_end:
            case event_t::array_end:
                stack.pop_back();
                complete(parsed);
                break;
            case event_t::value: complete(parsed); break;
        }
        return true;
    };
    try {
        return nlohmann::json::parse(text.begin(), text.end(), callback);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number beyond double
        // nlohmann's message starts with "[json.exception.parse_error.101] "; keep what follows.
        std::string_view what = e.what();
        if (const auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
        refuse(function, source, cat(prefix, "not valid JSON: ", what));
    }
}

namespace {}  // namespace

config parse_config(std::string_view json_text, const config& base) {
    constexpr const char* function = "ranktopo::parse_config";
    const nlohmann::json document = detail::parse_strict(json_text, function, "config", "");
    if (!document.is_object()) {
        refuse(function, "config", cat("the config must be a JSON object, got ", type_name(document)));
    }
    config c = base;
    for (const auto& [key, value] : document.items()) assign_json(c, key, value);
    if (c.world_size == 0 && !document.contains("world_size")) {
        refuse(function, "world_size", "world_size is required");
    }
    // Keys arrive in any order: checks across options run once all are set.
    // A key the release does not have is refused whatever its value: the
    // release has no such option, and ignoring the key would hide that.
    std::vector<problem> missing;
    for (const auto& [key, value] : document.items()) {
        if (const option_info& o = *find_option(key); !detail::has_option(c.vllm_ascend_version, o)) {
            missing.push_back(detail::missing_option(c.vllm_ascend_version, o));
        }
    }
    if (!missing.empty()) throw config_error(function, std::move(missing));
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
    if (info.version != nullptr) {
        c.*info.version = parse_release(text, function);
        return;
    }
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
        if (!detail::has_option(c.vllm_ascend_version, o)) continue;  // parse_config refuses the key
        if (!option_listed(c, o)) continue;  // at its default: the JSON of configs before the option, unchanged
        if (o.version != nullptr) {
            document[std::string(o.name)] = (c.*o.version).version();
        } else if (o.boolean != nullptr) {
            document[std::string(o.name)] = c.*o.boolean;
        } else {
            document[std::string(o.name)] = c.*o.integer;
        }
    }
    return document.dump();
}

namespace {

/// "0000".."9999", four chars in a word each, in memory order: one read of
/// this 40 KB table gives four digits.
constexpr std::array<std::uint32_t, 10000> four_digit_words = [] {
    std::array<std::uint32_t, 10000> words{};
    for (std::uint32_t i = 0; i < 10000; ++i) {
        const std::array<char, 4> chars{static_cast<char>('0' + i / 1000), static_cast<char>('0' + i / 100 % 10),
                                        static_cast<char>('0' + i / 10 % 10), static_cast<char>('0' + i % 10)};
        words[i] = std::bit_cast<std::uint32_t>(chars);
    }
    return words;
}();

/// Writes `value` < 10^4 without leading zeros; stores 4 chars whatever its length.
inline char* format_below_10000(char* out, std::uint32_t value) noexcept {
    const std::uint32_t word = four_digit_words[value];
    // Leading '0' chars are the low bytes equal to '0'; the last digit always counts.
    const int leading_zeros = std::countr_zero((word ^ 0x30303030U) | (1U << 24)) / 8;
    const std::uint32_t shifted = word >> (8 * leading_zeros);
    std::memcpy(out, &shifted, sizeof shifted);
    return out + (4 - leading_zeros);
}

/// Writes the four digits of `value` < 10^4, leading zeros included.
inline char* format_four_digits(char* out, std::uint32_t value) noexcept {
    std::memcpy(out, &four_digit_words[value], sizeof(std::uint32_t));
    return out + 4;
}

/// Writes `value` in decimal at `out`; returns the end. Stores up to 10
/// chars past `out` whatever the length: callers reserve 11.
inline char* format_unsigned(char* out, std::uint32_t value) noexcept {
    if constexpr (std::endian::native != std::endian::little) {
        return std::to_chars(out, out + 10, value).ptr;  // the shifts below assume little-endian words
    } else {
        if (value < 10000) return format_below_10000(out, value);
        if (value < 100000000) {  // every rank below 10^8: two table reads
            const std::uint32_t high = value / 10000;
            return format_four_digits(format_below_10000(out, high), value - high * 10000);
        }
        const std::uint32_t high = value / 100000000;  // 1 to 42
        const std::uint32_t low = value - high * 100000000;
        return format_four_digits(format_four_digits(format_below_10000(out, high), low / 10000), low % 10000);
    }
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
    /// A block of room for `expected_chars`, within [min_block_size, max_block_size]:
    /// a small plan must not pay for a large block (a large allocation is an
    /// mmap under AddressSanitizer, which made the property sweep 200x slower).
    block_writer(std::ostream& out, std::size_t expected_chars)
        : out_(out), block_size_(std::clamp(expected_chars, min_block_size, max_block_size)),
          block_(new char[block_size_]), cursor_(block_.get()) {}
    block_writer(const block_writer&) = delete;
    block_writer& operator=(const block_writer&) = delete;
    ~block_writer() = default;

    void text(std::string_view s) {
        if (s.size() > block_size_) {
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
        text("[");
        // The cursor lives in a register here: stores through a char* may
        // alias the members, so member access would reload it per char.
        char* cursor = cursor_;
        const char* const last_room = block_.get() + block_size_ - max_item_chars;
        const auto row = static_cast<std::size_t>(group_size);
        const auto make_room = [&] {
            if (cursor > last_room) {
                cursor_ = cursor;
                flush();
                cursor = cursor_;
            }
        };
        for (std::size_t start = 0; start < ranks.size(); start += row) {
            make_room();
            if (start == 0) {
                *cursor++ = '[';
            } else {
                *cursor++ = ']';
                *cursor++ = ',';
                *cursor++ = '[';
            }
            cursor = format_unsigned(cursor, static_cast<std::uint32_t>(ranks[start]));
            for (std::size_t i = start + 1; i < start + row; ++i) {
                make_room();
                *cursor++ = ',';
                cursor = format_unsigned(cursor, static_cast<std::uint32_t>(ranks[i]));
            }
        }
        cursor_ = cursor;
        text("]]");
    }

    void flush() {
        const auto size = static_cast<std::streamsize>(cursor_ - block_.get());
        if (size > 0) out_.write(block_.get(), size);
        cursor_ = block_.get();
    }

private:
    static constexpr std::size_t min_block_size = std::size_t{1} << 12;  // room for every fixed part of a plan
    static constexpr std::size_t max_block_size = std::size_t{1} << 20;
    static constexpr std::size_t max_int_chars = 11;
    static constexpr std::size_t max_item_chars = 3 + max_int_chars;  // "],[" and a number

    /// Room for `size` more chars, flushing first if the block lacks it.
    void reserve(std::size_t size) {
        if (static_cast<std::size_t>(block_.get() + block_size_ - cursor_) < size) flush();
    }

    std::ostream& out_;
    std::size_t block_size_;
    std::unique_ptr<char[]> block_;
    char* cursor_;
};

}  // namespace

namespace {

/// About the length of the plan's JSON: each rank's digits and comma, "],["
/// per group, the fixed text around them.
std::size_t expected_plan_chars(const plan& p) {
    std::size_t chars = 64;
    for (const creation& made : p.creations) {
        const auto n = static_cast<std::size_t>(made.groups.world_size());
        const auto groups = static_cast<std::size_t>(made.groups.group_count());
        chars += 64 + made.name.size() + n * (std::to_string(n).size() + 1) + 3 * groups;
    }
    return chars;
}

void write_plan_body(block_writer& w, const plan& p) {
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
    w.text("]");
}

}  // namespace

void write_plan_json(std::ostream& out, const plan& p) {
    block_writer w(out, expected_plan_chars(p));
    write_plan_body(w, p);
    w.text("}\n");
    w.flush();
}

void write_plan_json_with_vllm_groups(std::ostream& out, const plan& p) {
    // vLLM's families: a handful more, each as long as a creation.
    block_writer w(out, 2 * expected_plan_chars(p));
    write_plan_body(w, p);
    w.text(",\"vllm_groups\":[");
    std::vector<int> ranks;
    bool first = true;
    for (const named_family& f : enabled_families(p)) {
        if (f.origin != family_origin::vllm) continue;
        w.text(first ? "{\"name\":\"" : ",{\"name\":\"");
        first = false;
        w.text(f.name);
        w.text("\",\"groups\":");
        ranks.resize(static_cast<std::size_t>(f.groups.world_size()));
        f.groups.write(ranks);
        w.groups(ranks, f.groups.group_size());
        w.text("}");
    }
    w.text("]}\n");
    w.flush();
}

}  // namespace ranktopo
