"""ranktopo: vllm-ascend's communicator groups, bit for bit, for every release 0.13.0..0.25.1rc1.

The C++ library underneath (ranktopo._core) computes the groups from layouts;
this package gives it a Pythonic face:

>>> import ranktopo
>>> plan = ranktopo.make_plan(ranktopo.Config(world_size=16, tensor_parallel_size=4, data_parallel_size=4))
>>> [c.name for c in plan.creations]
['mc2']
>>> plan.creations[0].group_ranks
[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]]

See Config, make_plan, read_deployment, diff, lint, and the submodules
ranktopo.vllm (init_model_parallel_group as vllm-ascend calls it) and
ranktopo.torch (members-only torch.distributed process groups).
"""

from __future__ import annotations

import json as _json
import numbers as _numbers
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _core
from ._core import Creation, Plan
from ._errors import AgreementError, BackendError, ConfigError, Error, RankLookupError, StateError

__version__: str = _core.__version__

__all__ = [
    "AgreementError",
    "BackendError",
    "Config",
    "ConfigError",
    "Creation",
    "Deployment",
    "Error",
    "Plan",
    "RankLookupError",
    "StateError",
    "diff",
    "global_rank",
    "lint",
    "make_plan",
    "read_deployment",
    "releases",
]

# The C++ option table (config.hpp `options`): every option, its type and default.
_OPTIONS: Dict[str, Dict[str, Any]] = {o["name"]: o for o in _core.options()}
_TYPE_NAMES = {"int": "an int", "bool": "a bool", "str": "a str"}


def releases() -> List[str]:
    """The vllm-ascend releases ranktopo follows, oldest first (``vllm_ascend_version`` values;
    ``"latest"`` is accepted too and means the last one)."""
    return list(_core.releases())


def _unknown(name: str, where: str) -> str:
    near = _core.nearest_option(name)
    hint = f"; did you mean '{near}'?" if near else f" (options: {', '.join(_OPTIONS)})"
    return f"{where} got an unexpected option '{name}'{hint}"


def _checked(name: str, value: Any, where: str) -> Any:
    """`value` as the JSON value of option `name`; TypeError naming the option for a wrong type."""
    info = _OPTIONS.get(name)
    if info is None:
        raise TypeError(_unknown(name, where))
    kind = info["type"]
    if kind == "int":
        if not isinstance(value, bool) and isinstance(value, _numbers.Integral):
            return int(value)
    elif kind == "bool":
        if isinstance(value, bool) or type(value).__name__ == "bool_":  # numpy.bool_ too
            return bool(value)
    elif isinstance(value, str):
        return value
    raise TypeError(f"{where}: option '{name}' must be {_TYPE_NAMES[kind]}, got {type(value).__name__} {value!r}")


class Config:
    """A topology config: vLLM's and vllm-ascend's options, by their JSON keys.

    ``Config(world_size=16, tensor_parallel_size=4, vllm_ascend_version="0.18.0")``

    Options and defaults are those of ``ranktopo --help`` and the golden
    fixtures (``Config.options()`` lists them). ``world_size`` is required.
    Values are checked as the tool checks a JSON config: a wrong type raises
    TypeError naming the option, an unknown option TypeError with the nearest
    name, a value out of range or an option the chosen release does not have
    ConfigError. Shapes (sizes that do not divide) are refused by make_plan().
    Attributes read and write (``cfg.tensor_parallel_size = 8``); a write is
    checked like the constructor's keywords and leaves the config unchanged
    when refused.
    """

    __slots__ = ("_given", "_values", "_text")

    def __init__(self, **options: Any) -> None:
        given = {name: _checked(name, value, "Config()") for name, value in options.items()}
        self._load(given)

    def _load(self, given: Dict[str, Any]) -> None:
        text = _core.normalize(_json.dumps(given))
        object.__setattr__(self, "_given", given)
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_values", _json.loads(text))

    @staticmethod
    def options() -> List[Dict[str, Any]]:
        """Every option: ``name``, ``type`` ("int", "bool" or "str"), ``default``, ``help``,
        ``minimum`` and ``required``, in the tool's order (the C++ table)."""
        return [dict(o) for o in _OPTIONS.values()]

    @classmethod
    def from_json(cls, text_or_dict: Union[str, bytes, Mapping[str, Any]]) -> "Config":
        """A config from a flat JSON object, as text or as a dict (the tool's ``--config`` file).

        Refuses what the tool refuses (unknown keys, wrong types, duplicated keys)
        with ConfigError naming the key."""
        if isinstance(text_or_dict, Mapping):
            text = _json.dumps(dict(text_or_dict))
        elif isinstance(text_or_dict, (str, bytes)):
            text = text_or_dict.decode() if isinstance(text_or_dict, bytes) else text_or_dict
        else:
            raise TypeError(f"Config.from_json: expected a str or a dict, got {type(text_or_dict).__name__}")
        _core.normalize(text)  # the C++ parser's refusals, duplicated keys included
        self = cls.__new__(cls)
        self._load(_json.loads(text))
        return self

    def to_json(self) -> str:
        """The config as a flat JSON object with every option of its release (the tool's format)."""
        return self._text

    def to_dict(self) -> Dict[str, Any]:
        """The config as a dict with every option of its release."""
        return dict(self._values)

    def replace(self, **changes: Any) -> "Config":
        """A copy with `changes` applied, checked as the constructor checks."""
        given = dict(self._given)
        given.update({name: _checked(name, value, "Config.replace()") for name, value in changes.items()})
        copy = Config.__new__(Config)
        copy._load(given)
        return copy

    def problems(self) -> List[Tuple[str, str]]:
        """Every reason vllm-ascend cannot serve this config, as (option, message); empty when it can."""
        return [tuple(p) for p in _core.problems(self._text)]

    def __getattr__(self, name: str) -> Any:
        info = _OPTIONS.get(name)
        if info is None:
            raise AttributeError(_unknown(name, "Config"))
        return self._values.get(name, info["default"])

    def __setattr__(self, name: str, value: Any) -> None:
        given = dict(self._given)
        given[name] = _checked(name, value, f"Config.{name}")
        self._load(given)

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Config options cannot be deleted ('{name}'); set the default instead")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and self._values == other._values

    def __hash__(self) -> int:
        return hash(self._text)

    def __repr__(self) -> str:
        set_options = ", ".join(
            f"{k}={v!r}" for k, v in self._values.items() if k == "world_size" or v != _OPTIONS[k]["default"]
        )
        return f"ranktopo.Config({set_options})"

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(_OPTIONS))

    def __reduce__(self):
        return (Config.from_json, (self._text,))


def _config(value: Any, where: str) -> Config:
    if isinstance(value, Config):
        return value
    if isinstance(value, Plan):
        return value.config
    if isinstance(value, Mapping):
        return Config.from_json(value)
    raise TypeError(f"{where}: expected a ranktopo.Config (or a dict of options), got {type(value).__name__}")


def make_plan(config: Union[Config, Mapping[str, Any]]) -> Plan:
    """The plan of `config`: every communicator vllm-ascend's init_ascend_model_parallel creates,
    in order, what each accessor returns, and the teardown order.

    Raises ConfigError, naming the option(s) and values, for a config the
    release cannot serve (the same message as ``ranktopo plan``)."""
    return _core.make_plan(_config(config, "make_plan")._text)


def _plan_config(self: Plan) -> Config:
    """The config the plan was made from."""
    return Config.from_json(self._config_json())


Plan.config = property(_plan_config)


def diff(a: Union[Config, Plan, Mapping[str, Any]], b: Union[Config, Plan, Mapping[str, Any]]) -> Dict[str, Any]:
    """What changes from `a`'s plan to `b`'s: ``ranktopo diff --format json`` as Python objects.

    ``{"identical": bool, "options": [...], "communicators": [{"name", "status", "before",
    "after", "ranks_changing_group", ...}], "destroy_order_changed": bool}``"""
    return _json.loads(_core.diff_json(_config(a, "diff")._text, _config(b, "diff")._text))


def lint(config: Union[Config, Mapping[str, Any]], ranks_per_node: Optional[int] = None) -> Dict[str, Any]:
    """``ranktopo lint --format json`` as Python objects: per family the axes inside its groups
    (and with `ranks_per_node` the groups crossing nodes), ``warnings`` and ``notes``."""
    if ranks_per_node is None:
        ranks = 0
    elif isinstance(ranks_per_node, bool) or not isinstance(ranks_per_node, _numbers.Integral):
        raise TypeError(f"lint: ranks_per_node must be an int, got {type(ranks_per_node).__name__}")
    elif ranks_per_node < 1 or ranks_per_node > 2**31 - 1:
        raise ValueError(f"lint: ranks_per_node ({ranks_per_node}) must be at least 1")
    else:
        ranks = int(ranks_per_node)
    return _json.loads(_core.lint_json(_config(config, "lint")._text, ranks))


def global_rank(config: Union[Config, Mapping[str, Any]], data_parallel_index: int, rank_in_group: int) -> int:
    """vllm-ascend's get_global_rank (0.22.1rc1 on): data_parallel_index * R + rank_in_group % R
    with R = T*P*C. Raises ConfigError for a release without it or a negative argument."""
    for name, value in (("data_parallel_index", data_parallel_index), ("rank_in_group", rank_in_group)):
        if isinstance(value, bool) or not isinstance(value, _numbers.Integral):
            raise TypeError(f"global_rank: {name} must be an int, got {type(value).__name__}")
        if not -(2**31) <= value < 2**31:
            raise ValueError(f"global_rank: {name} ({value}) is out of range")
    return _core.global_rank(_config(config, "global_rank")._text, int(data_parallel_index), int(rank_in_group))


class Deployment:
    """What read_deployment() derived, as ``ranktopo plan --show-config`` prints it:

    - ``config``: a Config;
    - ``sources``: option -> where its value came from;
    - ``warnings``: one line per input the release does not read (with the nearest known name);
    - ``model_facts``: model field -> value and where it came from, fallbacks included
      (``"32 (model config: num_attention_heads, transformers' default)"``);
    - ``ignored``: input -> why the release ignores it (``"ignored by 0.24.0rc1"``);
    - ``skipped``: vLLM arguments and variables that do not affect the groups -> their value.
    """

    __slots__ = ("config", "sources", "warnings", "model_facts", "ignored", "skipped")

    def __init__(self, config: Config, sources: Dict[str, str], warnings: List[str],
                 model_facts: Optional[Dict[str, str]] = None, ignored: Optional[Dict[str, str]] = None,
                 skipped: Optional[Dict[str, str]] = None) -> None:
        self.config = config
        self.sources = sources
        self.warnings = warnings
        self.model_facts = model_facts or {}
        self.ignored = ignored or {}
        self.skipped = skipped or {}

    def __repr__(self) -> str:
        return f"ranktopo.Deployment(config={self.config!r}, warnings={self.warnings!r})"


def _json_part(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return _json.dumps(dict(value))
    if isinstance(value, (str, bytes)):
        return value.decode() if isinstance(value, bytes) else value
    raise TypeError(f"read_deployment: {name} must be a dict or JSON text, got {type(value).__name__}")


def read_deployment(
    vllm_args: Union[str, Sequence[str], None] = None,
    additional_config: Union[str, Mapping[str, Any], None] = None,
    kv_transfer_config: Union[str, Mapping[str, Any], None] = None,
    env: Union[Mapping[str, str], Iterable[Tuple[str, str]], None] = None,
    model_config: Union[str, Mapping[str, Any], None] = None,
    release: Optional[str] = None,
) -> Deployment:
    """The flat config of a deployment as vllm-ascend `release` derives it (ranktopo's deployment reader).

    vllm_args          -- the ``vllm serve`` arguments: a list, or one string split as a shell does
    additional_config  -- ``--additional-config``: a dict or JSON text
    kv_transfer_config -- ``--kv-transfer-config``: a dict or JSON text
    env                -- environment variables (a dict or (name, value) pairs); the process's own are not read
    model_config       -- the model's config.json: a dict or JSON text
    release            -- the vllm-ascend version whose rules apply (default 0.17.0rc1, as the tool)

    Raises ConfigError naming the flag and JSON path (``--additional-config:
    eplb_config.dynamic_eplb ...``), variable or model field of the first problem."""
    if vllm_args is None:
        args: List[str] = []
    elif isinstance(vllm_args, str):
        args = list(_core.split_args(vllm_args))
    elif isinstance(vllm_args, Sequence) and all(isinstance(a, str) for a in vllm_args):
        args = list(vllm_args)
    else:
        raise TypeError("read_deployment: vllm_args must be a str or a list of str")
    if env is None:
        pairs: List[Tuple[str, str]] = []
    else:
        items = env.items() if isinstance(env, Mapping) else env
        pairs = []
        for item in items:
            if not (isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(x, str) for x in item)):
                raise TypeError(f"read_deployment: env must map str to str, got {item!r}")
            pairs.append((item[0], item[1]))
    if release is not None and not isinstance(release, str):
        raise TypeError(f"read_deployment: release must be a str, got {type(release).__name__}")
    text, sources, warnings, model_facts, ignored, skipped = _core.read_deployment(
        args,
        _json_part("additional_config", additional_config),
        _json_part("kv_transfer_config", kv_transfer_config),
        pairs,
        _json_part("model_config", model_config),
        release,
    )
    return Deployment(Config.from_json(text), dict(sources), list(warnings), dict(model_facts), dict(ignored),
                      dict(skipped))
