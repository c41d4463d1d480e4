"""Safe YAML reading that remembers the file and line of every value.

PyYAML's ``safe_load`` forgets where values came from, so we compose the node tree and build the
values ourselves: that gives each key path a line for error messages, and lets us refuse what a
teaching tool has no use for (duplicate keys, tabs, custom tags, alias bombs, huge files).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from sim.errors import ScenarioError, did_you_mean

MAX_BYTES = 1_000_000
MAX_ALIASES = 100  # alias uses per document: plenty for anchors, far too few for a billion laughs
MAX_NODES = 200_000  # values built per document, counting alias expansions
MAX_DEPTH = 64

_T = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_T + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
# YAML 1.2 numbers PyYAML (YAML 1.1) reads as text, e.g. 1e3 or 2E-4.
_NUMBER_12 = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")


@dataclass
class Node:
    """A built value with its origin; mappings hold ``dict[str, Node]``, lists ``list[Node]``.

    ``prov`` is set when the value was written as ``{value: X, source|assumption: ...}``.
    """

    value: Any
    file: str | None
    line: int | None
    prov: Any = None
    key_line: int | None = field(default=None, compare=False)

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)


class _Builder:
    """Turns one composed document into ``Node``s, enforcing the limits above."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.aliases = 0
        self.nodes = 0
        self.seen: set[int] = set()
        self.active: set[int] = set()
        self.expanding = 0  # > 0 while building the inside of an alias
        self.constructor = yaml.SafeLoader("")

    def fail(self, message: str, ynode: yaml.Node, path: tuple = (),
             line: int | None = None) -> ScenarioError:
        line = line or ynode.start_mark.line + 1
        return ScenarioError(message, file=self.file, line=line, path=dotted(path))

    def build(self, ynode: yaml.Node, path: tuple = (), at: int | None = None) -> Node:
        """``at`` is the line of the key or list that refers to ``ynode`` (an alias's own line
        is lost in composing: the node is the anchored one)."""
        ident = id(ynode)
        if ident in self.active:
            raise self.fail("an alias refers to the value that contains it", ynode, path, at)
        alias = ident in self.seen
        if alias and not self.expanding:
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise self.fail(f"more than {MAX_ALIASES} alias uses (*name) in one file", ynode, path, at)
        self.seen.add(ident)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(f"more than {MAX_NODES} values after expanding aliases", ynode, path, at)
        if len(path) > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep", ynode, path, at)
        line = at if alias and at else ynode.start_mark.line + 1
        if isinstance(ynode, ScalarNode):
            return Node(self.scalar(ynode, path), self.file, line)
        self.active.add(ident)
        self.expanding += alias
        try:
            if isinstance(ynode, SequenceNode):
                if ynode.tag != _T + "seq":
                    raise self.fail(f"unsupported YAML tag {ynode.tag}", ynode, path)
                items = [self.build(item, (*path, i), line) for i, item in enumerate(ynode.value)]
                return Node(items, self.file, line)
            if isinstance(ynode, MappingNode):
                return Node(self.mapping(ynode, path), self.file, line)
        finally:
            self.active.discard(ident)
            self.expanding -= alias
        raise self.fail("unsupported YAML node", ynode, path)  # pragma: no cover

    def mapping(self, ynode: MappingNode, path: tuple) -> dict[str, Node]:
        if ynode.tag != _T + "map":
            raise self.fail(f"unsupported YAML tag {ynode.tag}", ynode, path)
        out: dict[str, Node] = {}
        for knode, vnode in ynode.value:
            if not isinstance(knode, ScalarNode):
                raise self.fail("keys must be plain names, not lists or mappings", knode, path)
            if knode.tag == _T + "merge":
                raise self.fail("YAML merge keys (<<) are not supported; use `extends`", knode, path)
            key = knode.value
            if key in out:
                first = out[key].key_line
                raise self.fail(f"duplicate key (first given on line {first})", knode, (*path, key))
            child = self.build(vnode, (*path, key), knode.start_mark.line + 1)
            child.key_line = knode.start_mark.line + 1
            child.line = child.key_line  # errors point at the key, where the reader looks
            out[key] = child
        return out

    def scalar(self, ynode: ScalarNode, path: tuple) -> Any:
        if ynode.tag not in _SCALAR_TAGS:
            raise self.fail(f"unsupported YAML tag {ynode.tag}", ynode, path)
        try:
            value = self.constructor.construct_object(ynode, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            if ynode.tag == _T + "timestamp":
                return ynode.value  # left as text: the schema says what is wrong with the date
            raise self.fail(f"cannot read value {ynode.value!r}: {exc}", ynode, path) from None
        if isinstance(value, str) and not ynode.style and _NUMBER_12.match(value):  # plain: None or ""
            value = float(value)
        return value


class _Counting:
    """Composing that refuses more than MAX_NODES nodes or MAX_DEPTH levels: a huge or deeply
    nested document stops at its first excess node, before anything is built."""

    composed = 0
    depth = 0

    def compose_node(self, parent, index):
        mark = self.peek_event().start_mark
        self.composed += 1
        if self.composed > MAX_NODES:
            raise _TooBig(f"more than {MAX_NODES} values in one file", mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH + 1:
                raise _TooBig(f"nested more than {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Limited(_Counting, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, limited: the reference parser and its error messages."""


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _FastLimited(_Counting, yaml.composer.Composer, CParser, yaml.constructor.SafeConstructor,
                       yaml.resolver.Resolver):
        """libyaml's parser under the same composer and limits: about five times faster, so even a
        file just under MAX_BYTES is read or refused in about a second."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
else:  # pragma: no cover -- PyYAML built without libyaml
    _FastLimited = None


def _compose(text: str) -> yaml.Node | None:
    if _FastLimited is not None:
        try:
            return yaml.compose(text, Loader=_FastLimited)
        except yaml.YAMLError:
            pass  # a mistake: the pure-Python parser below finds it and words it as it always has
    return yaml.compose(text, Loader=_Limited)


class _TooBig(Exception):
    def __init__(self, message: str, mark) -> None:
        super().__init__(message)
        self.message, self.line = message, mark.line + 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, SequenceNode):
        return node.value
    return [value for _, value in node.value] if isinstance(node, MappingNode) else []


def _expanded_sizes(root: yaml.Node) -> dict[int, int]:
    """Values each node stands for once aliases are expanded, by node id (a cycle counts once;
    the builder reports it). One iterative pass over the composed tree, so an alias bomb is
    refused before anything is built, however its aliases are chained."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        ident = id(node)
        if finished:
            total = 1 + sum(sizes.get(id(child), 1) for child in _children(node))
            sizes[ident] = min(total, 10 * MAX_NODES)  # no need for exact astronomic counts
            active.discard(ident)
        elif ident not in sizes and ident not in active:
            active.add(ident)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return sizes


def _refuse_bombs(root: yaml.Node, file: str) -> None:
    """A ScenarioError at the first top-level entry past MAX_NODES values after expanding aliases."""
    sizes = _expanded_sizes(root)
    if sizes.get(id(root), 1) <= MAX_NODES:
        return
    entries = root.value if isinstance(root, MappingNode) else list(enumerate(root.value))
    total = 1
    for key, value in entries:
        total += sizes.get(id(value), 1)
        if total > MAX_NODES:
            name = key.value if isinstance(key, ScalarNode) else key
            line = (key.start_mark if isinstance(key, ScalarNode) else value.start_mark).line + 1
            raise ScenarioError(f"more than {MAX_NODES} values after expanding aliases (*name)", file=file,
                                line=line, path=str(name))
    raise ScenarioError(f"more than {MAX_NODES} values after expanding aliases (*name)", file=file,
                        line=root.start_mark.line + 1)  # pragma: no cover -- one entry always crosses


def dotted(path: tuple) -> str | None:
    """``("forces", 2, "fighters")`` -> ``"forces.2.fighters"`` (None for the top level)."""
    return ".".join(str(p) for p in path) or None


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, max(index, 0)) + 1


def decode(data: bytes, file: str) -> str:
    """UTF-8 text of ``data``, or a ScenarioError for binary or oversized files."""
    if len(data) > MAX_BYTES:
        raise ScenarioError(f"file is larger than {MAX_BYTES // 1_000_000} MB", file=file, line=1)
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ScenarioError("binary file (contains NUL bytes), not YAML text", file=file, line=line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioError("not UTF-8 text; save the file as UTF-8", file=file, line=line) from None


def parse_text(text: str, file: str, *, allow_empty: bool = False) -> Node | None:
    """The node tree of one YAML document in ``text``; errors carry ``file`` and a line."""
    if len(text) > MAX_BYTES:
        raise ScenarioError(f"text is larger than {MAX_BYTES // 1_000_000} MB", file=file, line=1)
    for n, raw in enumerate(text.splitlines(), start=1):
        indent = raw[: len(raw) - len(raw.lstrip(" \t"))]
        if "\t" in indent and raw.strip():
            raise ScenarioError("tab character in indentation; indent with spaces", file=file, line=n)
    try:
        root = _compose(text)
    except _TooBig as exc:
        raise ScenarioError(exc.message, file=file, line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "invalid YAML"
        start = exc.context_mark.line + 1 if exc.context_mark else line
        if exc.context and problem.startswith("but "):
            problem = f"{exc.context} {problem}"
        elif exc.context and start != line and "stream" in problem:  # never closed: show where it opens
            problem, line = f"{problem} ({exc.context} that is never closed)", start
        elif exc.context:
            problem += f" ({exc.context}{f' started on line {start}' if start != line else ''})"
        raise ScenarioError(f"YAML syntax error: {problem}", file=file, line=line) from None
    except yaml.reader.ReaderError as exc:
        line = _line_at(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"control character U+{code:04X} is not allowed in YAML (not a text file?)"
        raise ScenarioError(message, file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML error: {exc}", file=file, line=1) from None
    except RecursionError:
        raise ScenarioError(f"nested more than {MAX_DEPTH} levels deep", file=file, line=1) from None
    if root is None:
        if allow_empty:
            return None
        raise ScenarioError("file is empty", file=file, line=1)
    _refuse_bombs(root, file)
    return _Builder(file).build(root)


def read_bytes(path: Path, label: str, what: str = "scenario file") -> bytes:
    """At most MAX_BYTES + 1 bytes of ``path`` (enough to refuse a bigger file without reading it:
    a 5 GB log or /dev/zero given by mistake is refused as quickly as a small one)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError("file not found", file=label, hint=_nearby(Path(label))) from None
    except IsADirectoryError:
        raise ScenarioError(f"is a folder, not a {what}", file=label) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror or exc}", file=label) from None


def _nearby(path: Path) -> str | None:
    """The YAML file a hurried user probably meant by the missing ``path``, if one exists."""
    tries = [path.with_name(path.name + ext) for ext in (".yaml", ".yml")]
    if path.suffix in (".yaml", ".yml"):
        tries.append(path.with_suffix(".yml" if path.suffix == ".yaml" else ".yaml"))
    if len(path.parts) == 1:  # a bare name: the shipped folders of the working directory
        tries += [Path(folder) / (path.stem + ".yaml") for folder in ("scenarios", "experiments")]
    for candidate in tries:
        if candidate.is_file():
            return str(candidate)
    folder = path.parent
    try:
        names = [p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml")] if folder.is_dir() else []
    except OSError:
        return None
    close = did_you_mean(path.name, names)
    return os.path.join(str(path.parent), close) if close and str(path.parent) != "." else close


def read_file(path: Path, label: str) -> Node:
    """The node tree of the scenario file at ``path`` (shown as ``label`` in messages)."""
    data = read_bytes(path, label)
    text = decode(data, label)
    root = parse_text(text, label)
    assert root is not None
    if not root.is_map:
        raise ScenarioError(
            "the top level must be a mapping of keys (name:, title:, channels:, ...)",
            file=label,
            line=root.line,
        )
    return root
