// ranktopo tool — what every subcommand shares: the config input, output
// options (format, colour), option parsing, errors and exit statuses.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/color.h>

#include "deploy_input.hpp"
#include "ranktopo/config.hpp"
#include "ranktopo/error.hpp"
#include "ranktopo/family.hpp"

namespace ranktopo_cli {

constexpr int exit_ok = 0;
constexpr int exit_warnings = 1;  // lint only
constexpr int exit_differ = 1;    // diff only: the plans differ
constexpr int exit_invalid = 2;
constexpr int exit_internal = 3;  // a bug or resource exhaustion, distinct from lint's 1

/// More ranks than show and svg draw for one family, and in all.
constexpr int max_drawn_ranks = 4096;
constexpr long long max_drawn_cells = 16384;

/// A bad command line: main prints it as one line and exits 2.
struct usage_error {
    std::string message;
};

/// The command line after the subcommand, read front to back.
class arguments {
public:
    /// argv[first..argc); empty when first >= argc (e.g. no subcommand).
    arguments(int argc, char** argv, int first) : args_(argv + std::min(first, argc), argv + argc) {}

    [[nodiscard]] bool done() const noexcept { return next_ >= args_.size(); }
    /// The next argument, consumed.
    std::string_view take() { return args_[next_++]; }
    /// The next argument, left in place; empty when done.
    [[nodiscard]] std::string_view peek() const noexcept { return done() ? std::string_view() : args_[next_]; }
    /// If `arg` is `name VALUE` or `name=VALUE`, consumes and returns VALUE.
    std::optional<std::string> value(std::string_view arg, std::string_view name);

private:
    std::vector<std::string_view> args_;
    std::size_t next_ = 0;
};

/// Stores a flag that may be given once: usage_error naming both values when
/// it already holds one (a repeated flag is a mistake, not an override).
void set_once(std::optional<std::string>& slot, std::string_view flag, std::string value);

/// What a user reads for a library error: a config_error's first problem
/// (its message names the option and values), or what() without the C++
/// function names it starts with ("ranktopo::make_plan: ").
[[nodiscard]] std::string user_message(const ranktopo::error& e);

[[nodiscard]] inline bool is_help(std::string_view arg) noexcept {
    return arg == "--help" || arg == "-h";
}

/// --config FILE|-, --example and --set key=value: the file (or the example)
/// first, then every --set over it.
struct config_input {
    std::optional<std::string> file;
    bool example = false;
    std::vector<std::string> settings;
    deploy_input deploy;  ///< the deployment flags (deploy_input.hpp)

    /// Consumes `arg` (and its value) if it is an input option.
    bool take(arguments& args, std::string_view arg);
    [[nodiscard]] ranktopo::config load() const;
    /// The config and where each value came from.
    [[nodiscard]] ranktopo::derived_config derive() const;
};

enum class output_format { text, json };
enum class color_mode { automatic, always, never };

/// --format text|json and --color=auto|always|never, each at most once.
struct output_options {
    output_format format = output_format::text;
    color_mode color = color_mode::automatic;
    std::optional<std::string> format_given;
    std::optional<std::string> color_given;

    bool take(arguments& args, std::string_view arg);
    /// Colour on: never for JSON; under auto only when stdout is a terminal
    /// (and NO_COLOR is unset, TERM is not "dumb").
    [[nodiscard]] bool colored() const;
};

/// Everything a subcommand parses alike: the input (config_input), --format
/// and --color, -o/--output FILE, --ranks-per-node K and --family NAME. A
/// flag the subcommand does not take (its row in commands()) is refused with
/// the reason. Subcommands loop: help, then take(), then their own flags,
/// then unknown_option().
struct shared_options {
    explicit shared_options(std::string_view command_name) : command(command_name) {}

    std::string_view command;
    config_input input;
    output_options output;
    std::optional<std::string> output_file;  ///< -o FILE; "-" or none: standard output
    int ranks_per_node = 0;                  ///< 0: not given
    std::optional<std::string> ranks_per_node_given;
    std::optional<std::string> family;

    /// Consumes `arg` (and its value) if it is a shared flag.
    bool take(arguments& args, std::string_view arg);
    /// `text` to -o FILE or standard output (usage_error if FILE cannot be written).
    void write(std::string_view text) const;
};

/// The two sides of a comparison (diff; html --compare-version): --from-X
/// and --to-X are the input flag --X for one side (--from-version V and
/// --to-version V set vllm_ascend_version), over the shared input.
struct comparison_sides {
    config_input sides[2];  ///< [0]: --from-*, [1]: --to-*
    bool given = false;     ///< any --from-* or --to-* flag

    /// Consumes `arg` (and its value) if it is a --from-* or --to-* flag of
    /// an input option; errors name the side's own flag (--to-config).
    bool take(std::string_view command, arguments& args, std::string_view arg);
    /// Side `which`'s input: `shared` with that side's own flags over it.
    [[nodiscard]] config_input side(const config_input& shared, int which) const;
};

/// A positive or non-negative integer option value, or a usage_error naming the option.
[[nodiscard]] int parse_int(std::string_view option, std::string_view text, int minimum);

extern const std::string_view input_help;
extern const std::string_view output_help;
void print_options(std::string& out);

/// `text` in `style` when `on`, else plain.
[[nodiscard]] std::string paint(bool on, fmt::text_style style, std::string_view text);

/// A colour per group: ColorBrewer's Set3 for up to 12 groups (readable
/// under black text); beyond, one even hue step per group, visited so that
/// consecutive groups are far apart, neighbouring hues alternating light and
/// dark. Never the same colour for two groups of one family.
[[nodiscard]] fmt::rgb group_color(int group, int group_count);
[[nodiscard]] std::string hex(fmt::rgb color);

/// A group's ranks, short: runs of consecutive ranks as "8..11", longer
/// progressions as "0, 4, ..., 28". With max_runs > 0, at most that many
/// runs, then "... (N ranks)". O(modes + what it prints), from the member layout.
[[nodiscard]] std::string compact_ranks(const ranktopo::group_view& members, int max_runs = 0);

/// "E=1 D=2 P=2 C=1 T=4".
[[nodiscard]] std::string sizes(const ranktopo::config& c);

/// The family names of `c`, for help and errors: "world, tp, ..., mc2".
[[nodiscard]] std::string family_names(const ranktopo::config& c);

}  // namespace ranktopo_cli
