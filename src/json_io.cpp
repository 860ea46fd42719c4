// ranktopo — JSON config loading and streamed plan output.
#include <charconv>
#include <climits>
#include <cstdint>
#include <ostream>
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
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number beyond double
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

/// Appends to a buffer and hands it to the stream in large blocks.
class buffered_writer {
public:
    explicit buffered_writer(std::ostream& out) : out_(out) { buffer_.reserve(capacity); }
    ~buffered_writer() = default;
    buffered_writer(const buffered_writer&) = delete;
    buffered_writer& operator=(const buffered_writer&) = delete;

    void text(std::string_view s) {
        if (buffer_.size() + s.size() > capacity) flush();
        buffer_.append(s);
    }
    void character(char ch) {
        if (buffer_.size() == capacity) flush();
        buffer_.push_back(ch);
    }
    void number(int value) {
        char digits[16];
        const auto result = std::to_chars(digits, digits + sizeof digits, value);
        text({digits, static_cast<std::size_t>(result.ptr - digits)});
    }
    /// One group per row of `ranks`: [[a,b],[c,d]].
    void groups(const std::vector<int>& ranks, int group_size) {
        character('[');
        for (std::size_t i = 0; i < ranks.size(); ++i) {
            if (i % static_cast<std::size_t>(group_size) == 0) text(i == 0 ? "[" : "],[");
            else character(',');
            number(ranks[i]);
        }
        text("]]");
    }
    void flush() {
        out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        buffer_.clear();
    }

private:
    static constexpr std::size_t capacity = std::size_t{1} << 20;
    std::ostream& out_;
    std::string buffer_;
};

}  // namespace

void write_plan_json(std::ostream& out, const plan& p) {
    buffered_writer w(out);
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
        w.character('}');
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
        if (i > 0) w.character(',');
        w.number(p.destroy_order[i]);
    }
    w.text("]}\n");
    w.flush();
}

}  // namespace ranktopo
