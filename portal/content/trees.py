"""Troubleshooting trees: decision trees authored as YAML in ``troubleshooting_trees/``.

A tree is a set of nodes of three kinds: a *question* with two or more options,
each leading to another node; a *solution*, followed by "Did this solve it?"; and
an *escalate* node that hands the customer to a person. :func:`load_tree` checks
a tree's structure on its own; references to articles, glossary terms and
categories are checked against the whole site in :mod:`portal.content.checks`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from portal.content.articles import Link, text_links
from portal.content.fields import DEFAULT_LANG, Fields
from portal.content.links import PageLink
from portal.content.problems import Problems
from portal.content.yamlfile import YamlList, YamlMap, load_yaml

QUESTION, SOLUTION, ESCALATE = "question", "solution", "escalate"
NODE_KINDS = (QUESTION, SOLUTION, ESCALATE)
PRIORITIES = ("low", "normal", "high", "urgent")
# Answers at a solution node, and the outcomes a walk can end on besides a node id.
SOLVED, NOT_SOLVED = "solved", "not-solved"
TICKET = "ticket"

TREE_KEYS = ("id", "title", "description", "lang", "category", "start", "nodes", "tests", "draft")
NODE_KEYS = {
    QUESTION: ("type", "text", "hint", "options"),
    SOLUTION: ("type", "text", "hint", "articles", "if_not_solved"),
    ESCALATE: ("type", "text", "hint", "reason", "ticket_category", "priority"),
}
OPTION_KEYS = ("id", "label", "next", "articles", "glossary")
TEST_KEYS = ("name", "answers", "outcome")


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    next: str
    articles: tuple[str, ...]
    glossary: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Node:
    """One step. ``text`` is Markdown. Questions have ``options``; solutions have
    ``articles`` and ``if_not_solved`` (the node to try next, or empty for the
    ticket form); escalate nodes have ``reason`` (for staff), ``ticket_category``
    and ``priority``. ``links`` are the text's internal links (see
    :func:`portal.content.articles.text_links`)."""

    id: str
    kind: str
    text: str
    hint: str
    line: int
    options: tuple[Option, ...] = ()
    articles: tuple[str, ...] = ()
    if_not_solved: str = ""
    reason: str = ""
    ticket_category: str = ""
    priority: str = "normal"
    links: tuple[Link | PageLink, ...] = ()

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    def successors(self) -> list[tuple[str, int]]:
        """``(node id, line)`` for every edge out of this node."""
        edges = [(o.next, o.line) for o in self.options if o.next]
        if self.if_not_solved:
            edges.append((self.if_not_solved, self.line))
        return edges


@dataclass(frozen=True)
class TreeTest:
    """A walk the tree must pass: ``answers`` in order, ending on ``outcome``."""

    name: str
    answers: tuple[str, ...]
    outcome: str
    line: int


@dataclass(frozen=True)
class Tree:
    """One tree file. A ``draft`` tree (``draft: true`` at the top of the file)
    is checked like any other and shown by the preview only (see
    :mod:`portal.content.drafts`). ``lines`` maps its top-level keys to lines."""

    id: str
    title: str
    description: str
    lang: str
    category: str
    start: str
    nodes: Mapping[str, Node]
    tests: tuple[TreeTest, ...]
    path: str
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)
    draft: bool = False

    @property
    def url(self) -> str:
        return f"/troubleshoot/{self.id}"


@dataclass(frozen=True)
class Walk:
    """Where a sequence of answers leads: ``outcome`` is a node id, ``solved``
    or ``ticket``; ``error`` says why the walk stopped early, if it did."""

    outcome: str
    path: tuple[str, ...]
    error: str = ""


def walk(tree: Tree, answers: Sequence[str]) -> Walk:
    """Follow ``answers`` from the start node. Never raises: a wrong answer stops
    the walk at the last valid node with an ``error``."""
    current = tree.start
    path = [current]
    for index, answer in enumerate(answers):
        last = index == len(answers) - 1
        node = tree.nodes.get(current)
        if node is None:
            return Walk(current, tuple(path), f"there is no node '{current}'")
        if node.kind == QUESTION:
            option = node.option(answer)
            if option is None:
                return Walk(current, tuple(path), f"question '{current}' has no option '{answer}'")
            current = option.next
        elif node.kind == SOLUTION and answer in (SOLVED, NOT_SOLVED):
            current = SOLVED if answer == SOLVED else node.if_not_solved or TICKET
            if current in (SOLVED, TICKET):
                error = "" if last else f"answers continue after '{current}'"
                return Walk(current, tuple(path), error)
        elif node.kind == SOLUTION:
            return Walk(
                current,
                tuple(path),
                f"at solution '{current}' answer '{SOLVED}' or '{NOT_SOLVED}', not '{answer}'",
            )
        else:
            return Walk(current, tuple(path), f"escalate node '{current}' takes no answer ('{answer}')")
        path.append(current)
    return Walk(current, tuple(path))


def tree_id_from_path(path: str) -> str:
    return posixpath.basename(path).rsplit(".", 1)[0]


def load_tree(path: str, text: str, problems: Problems) -> Tree | None:
    """Parse one tree file and check its structure: node references, option
    counts and ids, reachability, cycles, dead ends and its ``tests``."""
    data, issues = load_yaml(text)
    for issue in issues:
        problems.error(issue.line, issue.message)
    if data is None and not issues:
        problems.error(1, "the tree file is empty: it needs title, category, start and nodes")
        return None
    if data is None:
        return None
    if not isinstance(data, YamlMap):
        problems.error(1, "a tree file must be a mapping with title, start and nodes")
        return None
    fields = Fields(data, problems, TREE_KEYS, "tree")
    tree_id = fields.text("id", required=False) or tree_id_from_path(path)
    if tree_id != tree_id_from_path(path):
        problems.error(fields.line("id"), f"tree id '{tree_id}' must match the file name '{tree_id_from_path(path)}'")
    title = fields.text("title")
    description = fields.text("description", required=False)
    lang = fields.text("lang", required=False, default=DEFAULT_LANG).lower()
    category = fields.text("category")
    start = fields.text("start")
    draft = fields.flag("draft")
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, YamlMap) or not raw_nodes:
        problems.error(fields.line("nodes"), "'nodes' must be a mapping of node id to node")
        return None
    nodes = {
        str(node_id): node
        for node_id, raw in raw_nodes.items()
        if (node := _load_node(str(node_id), raw, raw_nodes.line_of(node_id), problems))
    }
    if start and start not in raw_nodes:
        problems.error(fields.line("start"), f"start node '{start}' does not exist")
    tests = _load_tests(data.get("tests"), fields.line("tests"), problems)
    if not (title and category and start) or len(nodes) != len(raw_nodes):
        return None
    tree = Tree(
        id=tree_id,
        title=title,
        description=description,
        lang=lang,
        category=category,
        start=start,
        nodes=nodes,
        tests=tests,
        path=path,
        lines=dict(data.lines),
        draft=draft,
    )
    structure_ok = _check_structure(tree, problems)
    if structure_ok:
        _run_tests(tree, problems)
    return tree


def _load_node(node_id: str, raw: object, line: int, problems: Problems) -> Node | None:
    if not isinstance(raw, YamlMap):
        problems.error(line, f"node '{node_id}' must be a mapping with a 'type'")
        return None
    kind = raw.get("type")
    if kind not in NODE_KINDS:
        problems.error(
            raw.line_of("type"), f"node '{node_id}' needs 'type: question', 'solution' or 'escalate', not '{kind}'"
        )
        return None
    fields = Fields(raw, problems, NODE_KEYS[kind], f"{kind} node '{node_id}'")
    text = fields.text("text", required=kind != ESCALATE)
    hint = fields.text("hint", required=False)
    links = text_links(problems.path, raw, "text")
    if kind == QUESTION:
        options = _load_options(node_id, raw, problems)
        return Node(node_id, kind, text, hint, line, options=options, links=links)
    if kind == SOLUTION:
        return Node(
            node_id,
            kind,
            text,
            hint,
            line,
            articles=fields.text_list("articles"),
            if_not_solved=fields.text("if_not_solved", required=False),
            links=links,
        )
    return Node(
        node_id,
        kind,
        text,
        hint,
        line,
        reason=fields.text("reason"),
        ticket_category=fields.text("ticket_category", required=False),
        priority=fields.choice("priority", PRIORITIES, "normal"),
        links=links,
    )


def _load_options(node_id: str, raw: YamlMap, problems: Problems) -> tuple[Option, ...]:
    items = raw.get("options")
    if not isinstance(items, YamlList):
        problems.error(raw.line_of("options"), f"question '{node_id}' needs a list of 'options'")
        return ()
    options: list[Option] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        line = items.line_of(index)
        if not isinstance(item, YamlMap):
            problems.error(line, f"each option of '{node_id}' must be a mapping with id, label and next")
            continue
        fields = Fields(item, problems, OPTION_KEYS, f"option of '{node_id}'")
        option_id = fields.text("id")
        label = fields.text("label")
        target = fields.text("next", required=False)
        if option_id and option_id in seen:
            problems.error(line, f"duplicate option id '{option_id}' in '{node_id}' (first on line {seen[option_id]})")
            continue
        if not target:
            problems.error(line, f"option '{option_id or label}' of '{node_id}' leads nowhere: add 'next'")
        if option_id:
            seen[option_id] = line
        options.append(
            Option(option_id, label, target, fields.text_list("articles"), fields.text_list("glossary"), line)
        )
    if len(items) < 2:
        problems.error(raw.line_of("options"), f"question '{node_id}' needs at least two options, it has {len(items)}")
    return tuple(options)


def _load_tests(raw: object, line: int, problems: Problems) -> tuple[TreeTest, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, YamlList):
        problems.error(line, "'tests' must be a list of walks with 'answers' and 'outcome'")
        return ()
    tests: list[TreeTest] = []
    for index, item in enumerate(raw):
        item_line = raw.line_of(index)
        if not isinstance(item, YamlMap):
            problems.error(item_line, "each test must be a mapping with 'answers' and 'outcome'")
            continue
        fields = Fields(item, problems, TEST_KEYS, "tree test")
        answers = fields.text_list("answers")
        outcome = fields.text("outcome")
        if outcome:
            tests.append(TreeTest(fields.text("name", required=False), answers, outcome, item_line))
    return tuple(tests)


def _check_structure(tree: Tree, problems: Problems) -> bool:
    ok = True
    for node in tree.nodes.values():
        for target, line in node.successors():
            if target not in tree.nodes:
                problems.error(line, f"'{node.id}' leads to node '{target}', which does not exist")
                ok = False
    if tree.start not in tree.nodes:
        return False
    reached = _reachable(tree)
    for node in tree.nodes.values():
        if node.id not in reached:
            problems.error(node.line, f"node '{node.id}' cannot be reached from the start node '{tree.start}'")
    cycle = _find_cycle(tree)
    if cycle:
        first = tree.nodes[cycle[0]]
        problems.error(first.line, f"cycle: {' → '.join(cycle)} (a walk could go round forever)")
        ok = False
    return ok


def _reachable(tree: Tree) -> set[str]:
    seen = {tree.start}
    stack = [tree.start]
    while stack:
        for target, _ in tree.nodes[stack.pop()].successors():
            if target in tree.nodes and target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _find_cycle(tree: Tree) -> list[str]:
    """The first cycle found by depth-first search, as a closed list of ids."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node_id: str) -> list[str]:
        state[node_id] = 1
        path.append(node_id)
        for target, _ in tree.nodes[node_id].successors():
            if target not in tree.nodes:
                continue
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node_id] = 2
        return []

    for node_id in tree.nodes:
        if node_id not in state and (found := visit(node_id)):
            return found
    return []


def _run_tests(tree: Tree, problems: Problems) -> None:
    for test in tree.tests:
        result = walk(tree, test.answers)
        label = f"test '{test.name}'" if test.name else "test"
        if result.error:
            problems.error(test.line, f"{label} fails: {result.error}")
        elif result.outcome != test.outcome:
            problems.error(
                test.line,
                f"{label} fails: answers {list(test.answers)} end on '{result.outcome}', expected '{test.outcome}'",
            )
