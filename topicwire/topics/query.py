"""Topic queries: parse a query string into a tree of frozen nodes.

    Kremlin AND (said OR told)        AND, OR, NOT (any case); NOT > AND > OR
    Kremlin said                      adjacent terms are an implicit AND
    "Kremlin spokesman"  "South Cauc*"  phrases: consecutive words
    Azerbaij*                         a trailing * makes the (last) word a prefix
    title:(Putin OR Peskov)           scopes: title text source lang author
    @kremlin                          an alias: an OR of its terms
    Peskov NEAR/10 said               proximity: within 10 words, either order, one field;
                                      binds tighter than NOT/AND/OR; operands are terms

Matching (see match.py) is on *words*: text is folded (``fold``) and split
into ``\\w+`` runs (``words``). Both the query and the document go through the
same two functions, so ``Erdoğan`` meets ``Erdogan`` and ``Turkey’s`` meets
``Turkey``. This module does no I/O and keeps no state besides the grammar.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NoReturn, TypeAlias

from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from topicwire.errors import QueryError

Field = Literal["title", "text", "source", "lang", "author"]
FIELDS: tuple[Field, ...] = ("title", "text", "source", "lang", "author")
DEFAULT_FIELDS: tuple[Field, ...] = ("title", "text")


# --- text folding, shared with match.py -------------------------------------------------------

# Letters NFKD leaves whole but that readers treat as a plain letter with a mark
# (Diyarbakır, Łódź, København); the modifier apostrophe (U+02BC) is a \w
# character, so without this "Turkeyʼs" would be one word.
_LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ʼ": "'"})
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Case-fold and strip diacritics: ``"Çavuşoğlu"`` -> ``"cavusoglu"``."""
    if text.isascii():
        return text.lower()
    # casefold first: "İ" folds to "i" + a combining dot, which NFKD then separates.
    # Dropping combining classes > 0 removes accents, cedillas, breves (й -> и) and
    # harakat, and is 7x faster than testing each character's category.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold().translate(_LETTERS)


def words(text: str) -> tuple[str, ...]:
    """The folded words of ``text``; apostrophes and punctuation separate words."""
    return tuple(_WORD.findall(fold(text)))


# --- the tree --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or phrase: consecutive ``words``; the last one a prefix if ``prefix``.

    ``text`` is the folded term as written (without ``*``), what ``source:``
    and ``lang:`` compare against whole values.
    """

    words: tuple[str, ...]
    prefix: bool = False
    text: str = ""


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Scoped:
    """``child`` evaluated against ``field`` only; an inner scope overrides an outer one."""

    field: Field
    child: Node


@dataclass(frozen=True)
class Alias:
    """An ``@alias`` as a NEAR operand: any of its terms (elsewhere an alias is just an Or)."""

    name: str  # folded, without "@"
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Near:
    """Some occurrence of ``left`` within ``distance`` words of one of ``right``, in one field.

    Either order; for phrases the distance is between their nearest ends.
    """

    left: Term | Alias
    right: Term | Alias
    distance: int


Node: TypeAlias = Term | And | Or | Not | Scoped | Near

_KEYWORDS = frozenset({"and", "or", "not", "near"})


@dataclass(frozen=True)
class Query:
    source: str
    root: Node

    def __str__(self) -> str:
        return render(self.root)


def render(node: Node) -> str:
    """The canonical, fully parenthesised form of a tree (for logs, explain and tests)."""
    if isinstance(node, Term):
        star = "*" if node.prefix else ""
        plain = node.text == "".join(node.words) and node.text not in _KEYWORDS
        return f"{node.text}{star}" if plain else f'"{node.text}{star}"'
    if isinstance(node, Not):
        return f"NOT {render(node.child)}"
    if isinstance(node, Scoped):
        child = render(node.child)
        return f"{node.field}:({child})" if isinstance(node.child, Not) else f"{node.field}:{child}"
    if isinstance(node, Near):
        return f"({_render_operand(node.left)} NEAR/{node.distance} {_render_operand(node.right)})"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(render(c) for c in node.children) + ")"


def _render_operand(operand: Term | Alias) -> str:
    return f"@{operand.name}" if isinstance(operand, Alias) else render(operand)


# --- grammar ---------------------------------------------------------------------------------

# lexer="basic" (not lark's default contextual lexer) so AND/OR/NOT are keywords
# everywhere: with the contextual lexer "AND x" would lex AND as a plain word.
# Keywords and WORD share a priority so lark re-types a WORD equal to a keyword
# (and only then: "Android" stays a word). NEAR is a regex, so it outranks WORD
# and is a whole word by its lookahead ("Nearby" stays a word); it takes any
# "/..." so that "NEAR", "NEAR/x" and "NEAR/0" reach the builder, which points
# at what is wrong. The parens are named terminals so a group keeps its "(".
_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: not_expr (_AND? not_expr)*
?not_expr: _NOT not_expr -> not_
         | near_expr
?near_expr: atom (NEAR atom)*
?atom: FIELD primary -> scoped
     | primary
?primary: WORD -> word
        | PHRASE -> phrase
        | ALIAS -> alias
        | LPAR or_expr RPAR -> group

_OR: "or"i
_AND: "and"i
_NOT: "not"i
NEAR.3: /near(\/[^\s()":]*)?(?![^\s()"])/i
LPAR: "("
RPAR: ")"
FIELD.2: /[^\s()"@:]+:/
ALIAS.2: /@[\w-]+/
PHRASE: /"[^"]*"/
WORD: /[^\s()"@:][^\s()":]*/
%ignore /\s+/
"""

_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="basic")

Aliases = Mapping[str, Sequence[str]]


def compile_query(query: str, aliases: Aliases | None = None) -> Query:
    """Parse ``query``, expanding ``@alias`` from ``aliases``.

    Raises ``QueryError`` with the 0-based position of the first problem.
    """
    if not query.strip():
        raise QueryError(query, 0, "empty query")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(query, MAX_QUERY_CHARS, f"longer than {MAX_QUERY_CHARS} characters")
    _check_nesting(query)
    try:
        tree = _PARSER.parse(query)
        return Query(query, _Builder(query, _fold_keys(aliases or {})).build(tree))
    except UnexpectedInput as e:
        raise _syntax_error(query, e) from e
    except RecursionError as e:  # a shape _check_nesting does not foresee: still a clear error
        raise QueryError(query, 0, f"nested too deeply (at most {MAX_NESTING} levels)") from e


# A query nested 1,000 levels deep ("((((x))))", "NOT NOT ... x") once ended `check` in a
# RecursionError (issue 13); the parser, the tree builder and the matcher all recurse. No
# real rule needs more than a handful of levels.
MAX_NESTING = 32
MAX_QUERY_CHARS = 100_000  # 20,000 ORed terms parse in ~1 s; a rule is edited by hand
_NESTING_TOKENS = re.compile(r'"[^"]*"?|[()]|[^\s()"]+')


def _check_nesting(query: str) -> None:
    """QueryError at the first place where parentheses plus a run of NOTs go deeper than MAX_NESTING."""
    depth = nots = 0
    for token in _NESTING_TOKENS.finditer(query):
        text = token.group()
        if text == "(":
            depth += 1
        elif text == ")":
            depth = max(depth - 1, 0)
        nots = nots + 1 if text.lower() == "not" else 0
        if depth + nots > MAX_NESTING:
            raise QueryError(query, token.start(), f"nested more than {MAX_NESTING} levels deep")


def _fold_keys(aliases: Aliases) -> dict[str, Sequence[str]]:
    return {fold(name.lstrip("@")): terms for name, terms in aliases.items()}


# --- syntax errors ---------------------------------------------------------------------------


def _syntax_error(query: str, e: UnexpectedInput) -> QueryError:
    if isinstance(e, UnexpectedCharacters):
        position = e.pos_in_stream or 0
        return QueryError(query, position, _bad_char_message(query[position]))
    if isinstance(e, UnexpectedToken) and e.token.type != "$END":
        return QueryError(query, e.token.start_pos or 0, f'unexpected "{e.token.value}"')
    return QueryError(query, len(query), _end_message(query))


def _bad_char_message(char: str) -> str:
    if char == '"':
        return "unclosed quote"
    if char == "@":
        return 'alias name missing after "@"'
    return f'unexpected "{char}"'


def _end_message(query: str) -> str:
    """Why a query that lexed fine stopped short; re-reads it with the query's own lexer."""
    tokens = list(_PARSER.lex(query))
    last = tokens[-1]
    if last.type in ("_AND", "_OR", "_NOT", "NEAR", "FIELD", "LPAR"):
        return f'nothing after "{last}"'
    opened = _unclosed_paren(tokens)
    if opened is not None:
        return f'missing ")" (to close "(" at {opened})'
    return "unexpected end of query"


def _unclosed_paren(tokens: Sequence[Token]) -> int | None:
    """Position of the last "(" left open."""
    stack: list[int] = []
    for tok in tokens:
        if tok.type == "LPAR":
            stack.append(tok.start_pos or 0)
        elif tok.type == "RPAR" and stack:
            stack.pop()
    return stack[-1] if stack else None


# --- tree building ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Builder:
    """Turns lark's parse tree into nodes; semantic errors carry token positions."""

    query: str
    aliases: Mapping[str, Sequence[str]]

    def build(self, tree: Tree[Token] | Token) -> Node:
        assert isinstance(tree, Tree), f"grammar bug: bare token {tree!r}"
        match tree.data:
            case "or_expr":
                return Or(tuple(_flatten(Or, map(self.build, tree.children))))
            case "and_expr":
                return And(tuple(_flatten(And, map(self.build, tree.children))))
            case "not_":
                return Not(self.build(tree.children[0]))
            case "near_expr":
                return self._near(tree.children)
            case "group":
                return self.build(tree.children[1])
            case "scoped":
                return self._scoped(_token(tree), tree.children[1])
            case "word":
                return self._term(_token(tree), str(_token(tree)))
            case "phrase":
                return self._phrase(_token(tree))
            case "alias":
                return self._alias(_token(tree))
        raise AssertionError(f"grammar bug: unknown rule {tree.data!r}")

    def _near(self, children: Sequence[Tree[Token] | Token]) -> Near:
        left, near, right, *rest = children
        assert isinstance(near, Token)
        if rest:
            again = rest[0]
            assert isinstance(again, Token)
            self._fail(again.start_pos, f"{again} cannot follow another NEAR: join NEAR expressions with AND/OR")
        distance = self._distance(near)
        return Near(self._operand(left, near), self._operand(right, near), distance)

    def _distance(self, tok: Token) -> int:
        """n of ``NEAR/n``; errors point at the keyword (no n) or at the bad n."""
        start = tok.start_pos or 0
        value = str(tok)[len("near/") :]
        if not value:
            self._fail(start, "NEAR needs a distance in words, like NEAR/10")
        if not (value.isascii() and value.isdigit() and int(value) > 0):
            self._fail(start + len("near/"), f'NEAR distance must be a positive whole number, not "{value}"')
        return int(value)

    def _operand(self, tree: Tree[Token] | Token, near: Token) -> Term | Alias:
        """A NEAR operand: a word, phrase or @alias; a group or a scope is an error with a hint."""
        assert isinstance(tree, Tree), f"grammar bug: bare token {tree!r}"
        if tree.data == "alias":
            tok = _token(tree)
            node = self._alias(tok)
            terms = node.children if isinstance(node, Or) else (node,)
            return Alias(fold(str(tok)[1:]), tuple(t for t in terms if isinstance(t, Term)))
        if tree.data in ("word", "phrase"):
            node = self.build(tree)
            assert isinstance(node, Term)
            return node
        tok = _token(tree)
        if tree.data == "scoped":
            field = str(tok)[:-1].lower()
            self._fail(
                tok.start_pos,
                f"{near} needs a word, phrase or @alias on each side, not a scope:"
                f" scope the whole of it, as in {field}:(a {near} b)",
            )
        self._fail(
            tok.start_pos,
            f"{near} needs a word, phrase or @alias on each side, not a group:"
            f" combine NEARs instead, as in (a {near} c) OR (b {near} c)",
        )

    def _scoped(self, tok: Token, child: Tree[Token] | Token) -> Node:
        name = str(tok)[:-1].lower()
        field = next((f for f in FIELDS if f == name), None)
        if field is None:
            known = ", ".join(f"{f}:" for f in FIELDS)
            self._fail(tok.start_pos, f'unknown field "{name}:" (known: {known})')
        return Scoped(field, self.build(child))

    def _phrase(self, tok: Token) -> Node:
        if not str(tok)[1:-1].strip():
            self._fail(tok.start_pos, "empty phrase")
        return self._term(tok, str(tok)[1:-1], offset=1)

    def _term(self, tok: Token, raw: str, offset: int = 0) -> Term:
        try:
            return _make_term(raw)
        except _TermError as e:
            self._fail((tok.start_pos or 0) + offset + e.offset, e.message)

    def _alias(self, tok: Token) -> Node:
        name = fold(str(tok)[1:])
        if name not in self.aliases:
            self._fail(tok.start_pos, f"unknown alias {tok} ({_known(self.aliases)})")
        terms = self.aliases[name]
        if isinstance(terms, str):  # kremlin = "Kremlin" in TOML: one term, not six letters
            terms = (terms,)
        if not terms:
            self._fail(tok.start_pos, f"alias {tok} has no terms")
        try:
            expansion = tuple(_make_term(t.strip().strip('"')) for t in terms)
        except _TermError as e:
            self._fail(tok.start_pos, f"alias {tok}: {e.message}")
        return expansion[0] if len(expansion) == 1 else Or(expansion)

    def _fail(self, position: int | None, message: str) -> NoReturn:
        raise QueryError(self.query, position or 0, message)


def _token(tree: Tree[Token]) -> Token:
    tok = tree.children[0]
    assert isinstance(tok, Token)
    return tok


def _flatten(kind: type[And] | type[Or], nodes: Iterator[Node]) -> Iterator[Node]:
    """``(a AND b) AND c`` is ``a AND b AND c``: one n-ary node per run."""
    for node in nodes:
        if isinstance(node, kind):
            yield from node.children
        else:
            yield node


def _known(aliases: Mapping[str, object]) -> str:
    if not aliases:
        return "no aliases are defined"
    return "known: " + ", ".join(f"@{name}" for name in sorted(aliases))


# --- terms -----------------------------------------------------------------------------------


class _TermError(ValueError):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def _make_term(raw: str) -> Term:
    """A term from its written form: ``Azerbaij*``, ``South Cauc*``, ``Turkey’s``.

    Raises ``_TermError`` (offset into ``raw``) for a misplaced ``*`` or no words.
    """
    written = raw.rstrip()  # '"South Cauc* "' still ends with a prefix
    prefix = written.endswith("*")
    stem = written[:-1] if prefix else written
    if "*" in stem:
        raise _TermError(stem.index("*"), 'wildcard "*" is only allowed at the end of a word')
    if prefix and not _WORD.search(fold(stem[-1:])):
        raise _TermError(len(stem), 'wildcard "*" must follow a letter or digit')
    found = words(stem)
    if not found:
        raise _TermError(0, f'"{raw}" has no letters or digits to match')
    return Term(found, prefix, " ".join(fold(stem).split()))
