// ranktopo tool — shared command-line pieces.
#include "cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <numeric>

#include <fmt/format.h>

#include "command_table.hpp"
#include "ranktopo/io.hpp"
#include "ranktopo/named_families.hpp"
#include "ranktopo/plan.hpp"

namespace ranktopo_cli {

std::optional<std::string> arguments::value(std::string_view arg, std::string_view name) {
    if (arg == name) {
        if (done()) throw usage_error{std::string(name) + " needs a value"};
        return std::string(take());
    }
    if (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=') {
        return std::string(arg.substr(name.size() + 1));
    }
    return std::nullopt;
}

void set_once(std::optional<std::string>& slot, std::string_view flag, std::string value) {
    if (slot) throw usage_error{fmt::format("{} given twice ('{}' and '{}'); give it once", flag, *slot, value)};
    slot = std::move(value);
}

std::string user_message(const ranktopo::error& e) {
    if (const auto* config = dynamic_cast<const ranktopo::config_error*>(&e); config && !config->problems().empty()) {
        return config->problems().front().message;
    }
    std::string_view what = e.what();
    // "ranktopo::family::locate: ..." -> "...": the function is for engine developers.
    while (what.starts_with("ranktopo::")) {
        const auto colon = what.find(": ");
        if (colon == std::string_view::npos) break;
        what.remove_prefix(colon + 2);
    }
    return std::string(what);
}

namespace {

std::string read_all(std::istream& in) {
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

bool config_input::take(arguments& args, std::string_view arg) {
    if (auto v = args.value(arg, "--config")) {
        if (v->empty()) throw usage_error{"--config needs a file name, or '-' for standard input"};
        set_once(file, "--config", *v);
    } else if (auto s = args.value(arg, "--set")) {
        settings.push_back(*s);
    } else if (arg == "--example") {
        example = true;
    } else {
        return deploy.take(args, arg);
    }
    return true;
}

ranktopo::config config_input::load() const {
    return derive().values;
}

ranktopo::derived_config config_input::derive() const {
    if (file && example) throw usage_error{"--config and --example exclude each other"};
    if (deploy.given() && (file || example)) {
        throw usage_error{
            "the deployment options (--vllm-args, --additional-config, ...) exclude --config and --example"};
    }
    // A library refusal of one --set names that flag and value.
    const auto set = [](ranktopo::config& c, const std::string& s) {
        try {
            ranktopo::set_option(c, s);
        } catch (const ranktopo::config_error& e) {
            std::string message = fmt::format("--set {}: {}", s, user_message(e));
            // vLLM's short flags as keys: -tp is --set tensor_parallel_size=N.
            static constexpr std::pair<std::string_view, std::string_view> short_names[] = {
                {"tp", "tensor_parallel_size"},
                {"pp", "pipeline_parallel_size"},
                {"dp", "data_parallel_size"},
                {"pcp", "prefill_context_parallel_size"},
                {"dcp", "decode_context_parallel_size"},
                {"ep", "enable_expert_parallel"},
                {"world", "world_size"},
                {"version", "vllm_ascend_version"},
            };
            const std::string_view key = std::string_view(s).substr(0, s.find('='));
            for (const auto& [short_name, option] : short_names) {
                if (key == short_name && ranktopo::find_option(option) != nullptr &&
                    message.find("did you mean") == std::string::npos) {
                    message += fmt::format(". did you mean '{}'? ({} is vLLM's short flag -{})", option, key, key);
                }
            }
            throw usage_error{message};
        }
    };
    ranktopo::derived_config d;
    if (deploy.given()) {
        ranktopo::config chosen;  // the release whose rules the deployment follows
        for (const std::string& s : settings) {
            if (s.starts_with("vllm_ascend_version=")) set(chosen, s);
        }
        d = deploy.derive(chosen.vllm_ascend_version);
    } else {
        d.values = example ? ranktopo::example_config() : ranktopo::config{};
        if (file) {
            const std::string text = *file == "-" ? read_all(std::cin) : read_text_file("config file", *file);
            try {
                d.values = ranktopo::parse_config(text, d.values);
            } catch (const ranktopo::config_error& e) {
                throw usage_error{
                    fmt::format("--config {}: {}", *file == "-" ? "- (standard input)" : *file, user_message(e))};
            }
        }
        const ranktopo::config defaults;
        for (const ranktopo::option_info& o : ranktopo::options) {
            const bool changed = ranktopo::option_text(d.values, o) != ranktopo::option_text(defaults, o);
            d.sources.push_back({std::string(o.name), !changed  ? "default"
                                                      : example ? "--example"
                                                                : "--config " + *file});
        }
    }
    for (const std::string& s : settings) {
        set(d.values, s);
        for (ranktopo::option_source& source : d.sources) {
            if (s.starts_with(source.option + "=")) source.source = "--set " + s;
        }
    }
    // A world size the launch line derived (TP·PP·PCP·DP) follows the sizes --set changed.
    const bool world_set = std::any_of(settings.begin(), settings.end(),
                                       [](const std::string& s) { return s.starts_with("world_size="); });
    if (deploy.given() && !world_set) {
        const ranktopo::config& v = d.values;
        const long long world = static_cast<long long>(v.tensor_parallel_size) * v.pipeline_parallel_size *
                                v.prefill_context_parallel_size * v.data_parallel_size;
        if (world != v.world_size && world <= INT_MAX) {
            d.values.world_size = static_cast<int>(world);
            for (ranktopo::option_source& source : d.sources) {
                if (source.option == "world_size") source.source += " after --set";
            }
        }
    }
    if (d.values.world_size == 0) {
        throw usage_error{"world_size is required: give --config FILE, --example or --set world_size=N"};
    }
    return d;
}

bool output_options::take(arguments& args, std::string_view arg) {
    if (auto f = args.value(arg, "--format")) {
        set_once(format_given, "--format", *f);
        if (*f == "text") format = output_format::text;
        else if (*f == "json") format = output_format::json;
        else throw usage_error{"--format must be text or json, got '" + *f + "'"};
        return true;
    }
    std::optional<std::string> c = args.value(arg, "--color");
    if (!c) c = args.value(arg, "--colour");
    if (!c) return false;
    set_once(color_given, "--color", *c);
    if (*c == "auto") color = color_mode::automatic;
    else if (*c == "always") color = color_mode::always;
    else if (*c == "never") color = color_mode::never;
    else throw usage_error{"--color must be auto, always or never, got '" + *c + "'"};
    return true;
}

bool output_options::colored() const {
    if (format == output_format::json) return false;
    switch (color) {
        case color_mode::always: return true;
        case color_mode::never: return false;
        case color_mode::automatic: break;
    }
    const char* term = std::getenv("TERM");
    return isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr &&
           !(term != nullptr && std::string_view(term) == "dumb");
}

bool shared_options::take(arguments& args, std::string_view arg) {
    const command_info* info = find_command(command);
    const auto refuse_unless = [&](unsigned flag, std::string_view name) {
        if (info != nullptr && (info->shared & flag) == 0U) {
            throw usage_error{fmt::format("{} does not take {}: {}", command, name, info->exceptions)};
        }
    };
    if (input.take(args, arg)) return true;
    if (arg.starts_with("--format") || arg.starts_with("--colo")) {
        if (!output.take(args, arg)) return false;
        refuse_unless(arg.starts_with("--format") ? takes_format : takes_color,
                      arg.starts_with("--format") ? "--format" : "--color");
        return true;
    }
    std::optional<std::string> o = args.value(arg, "-o");
    if (!o) o = args.value(arg, "--output");
    if (o) {
        refuse_unless(takes_output, "-o");
        if (o->empty()) throw usage_error{"-o needs a file name, or '-' for standard output"};
        set_once(output_file, "-o", *o);
        return true;
    }
    if (auto v = args.value(arg, "--ranks-per-node")) {
        refuse_unless(takes_ranks_per_node, "--ranks-per-node");
        set_once(ranks_per_node_given, "--ranks-per-node", *v);
        ranks_per_node = parse_int("--ranks-per-node", *v, 1);
        return true;
    }
    if (auto f = args.value(arg, "--family")) {
        refuse_unless(takes_family, "--family");
        if (f->empty()) throw usage_error{"--family needs a name"};
        set_once(family, "--family", *f);
        return true;
    }
    return false;
}

void shared_options::write(std::string_view text) const {
    if (!output_file || *output_file == "-") {
        std::cout << text;
        return;
    }
    std::ofstream out(*output_file, std::ios::binary);
    if (!out || !out.write(text.data(), static_cast<std::streamsize>(text.size()))) {
        throw usage_error{"cannot write '" + *output_file + "'"};
    }
}

int parse_int(std::string_view option, std::string_view text, int minimum) {
    int value = 0;
    const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (status == std::errc::result_out_of_range) {
        throw usage_error{fmt::format("{} ({}) is outside the range of a 32-bit int", option, text)};
    }
    if (status != std::errc{} || end != text.data() + text.size()) {
        throw usage_error{fmt::format("{} must be an integer, got '{}'", option, text)};
    }
    if (value < minimum) throw usage_error{fmt::format("{} ({}) must be at least {}", option, value, minimum)};
    return value;
}

const std::string_view input_help =
    "Input (the file or example first, then each --set over it):\n"
    "  --config FILE   a flat JSON object of options; '-' reads standard input\n"
    "  --example       a built-in config with most families on (16 ranks)\n"
    "  --set KEY=VAL   set one option (an integer, true / false, or a release); repeatable\n";

const std::string_view output_help =
    "Output:\n"
    "  --format text|json      text for people (default), JSON for scripts\n"
    "  --color=auto|always|never\n"
    "                          colour text output; auto (default): only when standard\n"
    "                          output is a terminal and NO_COLOR is unset\n";

void print_options(std::string& out) {
    out += "Options (JSON keys and --set keys; vLLM / vllm-ascend names):\n";
    const ranktopo::config defaults;
    for (const ranktopo::option_info& o : ranktopo::options) {
        std::string def = ranktopo::option_text(defaults, o);
        if (o.domain == ranktopo::option_domain::required_positive) def = "required";
        out += fmt::format("  {:<40}default {}; {}\n", o.name, def, o.help);
    }
    out += fmt::format("vllm_ascend_version takes one of: {}\n", ranktopo::accepted_releases());
    out += '\n';
    out += deploy_help;
}

std::string paint(bool on, fmt::text_style style, std::string_view text) {
    return on ? fmt::format(style, "{}", text) : std::string(text);
}

fmt::rgb group_color(int group, int group_count) {
    static constexpr std::uint32_t set3[12] = {0x8dd3c7, 0xffffb3, 0xbebada, 0xfb8072, 0x80b1d3, 0xfdb462,
                                               0xb3de69, 0xfccde5, 0xd9d9d9, 0xbc80bd, 0xccebc5, 0xffed6f};
    if (group_count <= 12) return fmt::rgb(set3[group]);
    // Beyond Set3: the hue circle cut into `slots` even steps, visited with a
    // stride coprime to it so consecutive groups land far apart, and slots
    // that are neighbours on the circle alternate light and dark. No two
    // groups share a colour, and two with close hues differ in lightness
    // (golden-angle hues at one tone repeated within 20 degrees by 16 groups).
    const int slots = group_count;
    int stride = std::max(1, static_cast<int>(std::lround(slots * 0.382)));
    while (std::gcd(stride, slots) != 1) ++stride;
    const int slot = static_cast<int>((static_cast<long long>(group) * stride) % slots);
    const double hue = 6.0 * slot / slots;  // in sixths of the circle
    const bool dark = slot % 2 == 1;
    const double saturation = dark ? 0.62 : 0.70, lightness = dark ? 0.62 : 0.82;
    const double chroma = (1 - std::abs(2 * lightness - 1)) * saturation;
    const double x = chroma * (1 - std::abs(std::fmod(hue, 2.0) - 1));
    double r = 0, g = 0, b = 0;
    switch (static_cast<int>(hue)) {
        case 0: r = chroma, g = x; break;
        case 1: r = x, g = chroma; break;
        case 2: g = chroma, b = x; break;
        case 3: g = x, b = chroma; break;
        case 4: r = x, b = chroma; break;
        default: r = chroma, b = x; break;
    }
    const double m = lightness - chroma / 2;
    const auto byte = [&](double v) { return static_cast<std::uint8_t>(std::lround((v + m) * 255)); };
    return {byte(r), byte(g), byte(b)};
}

std::string hex(fmt::rgb color) {
    return fmt::format("#{:02x}{:02x}{:02x}", color.r, color.g, color.b);
}

std::string sizes(const ranktopo::config& c) {
    const int E = c.world_size / (c.data_parallel_size * c.pipeline_parallel_size * c.prefill_context_parallel_size *
                                  c.tensor_parallel_size);
    return fmt::format("E={} D={} P={} C={} T={}", E, c.data_parallel_size, c.pipeline_parallel_size,
                       c.prefill_context_parallel_size, c.tensor_parallel_size);
}

std::string family_names(const ranktopo::config& c) {
    std::string out;
    for (const ranktopo::named_family& f : ranktopo::enabled_families(ranktopo::make_plan(c))) {
        out += (out.empty() ? "" : ", ") + f.name;
    }
    return out;
}

}  // namespace ranktopo_cli

#include "commands.hpp"

namespace ranktopo_cli {

std::vector<ranktopo::named_family> chosen_families(const ranktopo::config& c, std::string_view family) {
    std::vector<ranktopo::named_family> all = ranktopo::enabled_families(ranktopo::make_plan(c));
    if (family.empty()) return all;
    std::vector<ranktopo::named_family> chosen;
    for (std::size_t start = 0; start <= family.size();) {  // a comma-separated list
        const std::size_t comma = std::min(family.find(',', start), family.size());
        const std::string_view name = family.substr(start, comma - start);
        const ranktopo::named_family* f = ranktopo::find_family(all, name);
        if (f == nullptr) {
            throw usage_error{fmt::format("unknown family '{}' (this config has: {})", name, family_names(c))};
        }
        chosen.push_back(*f);
        start = comma + 1;
    }
    return chosen;
}

void check_drawable(std::string_view command, const ranktopo::config& c, std::size_t families) {
    const int n = c.world_size;
    if (n > max_drawn_ranks) {
        throw usage_error{fmt::format(
            "{} ranks are more than {} draws ({} at most); try 'ranktopo explain --rank R' for one rank's "
            "groups, 'ranktopo lint' for each family's axes, or 'ranktopo show --format json' (no limit) or "
            "'ranktopo plan --vllm-groups' for every group as JSON",
            n, command, max_drawn_ranks)};
    }
    if (static_cast<long long>(n) * static_cast<long long>(families) > max_drawn_cells) {
        throw usage_error{
            fmt::format("{} families of {} ranks are more than {} draws at once ({} cells); pick fewer with --family "
                        "NAME[,NAME...] ({}), or try 'ranktopo explain --rank R' or 'ranktopo lint'",
                        families, n, command, max_drawn_cells, family_names(c))};
    }
}

}  // namespace ranktopo_cli

namespace ranktopo_cli {

std::string compact_ranks(const ranktopo::group_view& members, int max_runs) {
    std::string out;
    const auto item = [&](const std::string& text) { out += (out.empty() ? "" : ", ") + text; };
    const auto emit = [&](int first, int step, int count) {
        if (count >= 3 && step == 1) {
            item(fmt::format("{}..{}", first, first + (count - 1)));
        } else if (count >= 5) {
            item(fmt::format("{}, {}, ..., {}", first, first + step, first + (count - 1) * step));
        } else {
            for (int i = 0; i < count; ++i) item(std::to_string(first + i * step));
        }
    };
    // The runs are the innermost mode of the coalesced member layout (its
    // neighbours cannot continue a progression, or coalesce would have
    // merged them): read from the modes, never by walking the group, so a
    // group of 2^30 ranks costs no more than one of 4.
    const ranktopo::layout flat = members.positions().coalesce();
    if (flat.mode_count() == 0) return std::to_string(members.base());
    const ranktopo::mode inner = flat[flat.mode_count() - 1];
    const int runs = members.size() / inner.extent;
    for (int k = 0; k < runs; ++k) {
        if (max_runs > 0 && k >= max_runs) {
            out += fmt::format(", ... ({} ranks)", members.size());
            break;
        }
        emit(members[k * inner.extent], inner.stride, inner.extent);
    }
    return out;
}

bool comparison_sides::take(std::string_view command, arguments& args, std::string_view arg) {
    const int which = arg.starts_with("--from-") ? 0 : arg.starts_with("--to-") ? 1 : -1;
    if (which < 0) return false;
    const std::string flag = "--" + std::string(arg.substr(which == 0 ? 7 : 5));
    if (flag == "--" || flag.starts_with("---")) unknown_option(command, arg);
    config_input& own = sides[which];
    given = true;
    if (auto v = args.value(flag, "--version")) {
        own.settings.push_back("vllm_ascend_version=" + *v);
        return true;
    }
    try {
        if (!own.take(args, flag)) unknown_option(command, arg);
    } catch (usage_error& e) {  // "--config given twice" is about --to-config
        const std::string name = flag.substr(0, flag.find('='));
        if (e.message.starts_with(name)) e.message.replace(0, name.size(), arg.substr(0, arg.find('=')));
        throw;
    }
    return true;
}

config_input comparison_sides::side(const config_input& shared, int which) const {
    const config_input& own = sides[which];
    config_input in = shared;
    if (own.file || own.example) {  // its own config replaces the shared one
        in.file = own.file;
        in.example = own.example;
        in.deploy = deploy_input{};
    }
    const deploy_input& d = own.deploy;
    if (d.has_vllm_args) {
        in.file.reset();
        in.example = false;
        in.deploy.vllm_args = d.vllm_args;
        in.deploy.has_vllm_args = true;
    }
    if (!d.additional_config.empty()) in.deploy.additional_config = d.additional_config;
    if (!d.kv_transfer_config.empty()) in.deploy.kv_transfer_config = d.kv_transfer_config;
    if (!d.model_config_file.empty()) in.deploy.model_config_file = d.model_config_file;
    in.deploy.env.insert(in.deploy.env.end(), d.env.begin(), d.env.end());
    in.deploy.env_from_process = in.deploy.env_from_process || d.env_from_process;
    in.settings.insert(in.settings.end(), own.settings.begin(), own.settings.end());
    return in;
}

}  // namespace ranktopo_cli
