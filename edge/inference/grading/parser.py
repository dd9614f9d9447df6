"""Recursive-descent parser for the linear answer notation.

Grammar (``*`` means repetition)::

    answer   = item (joiner item)*              joiner: 或 且 , ;
    item     = WORD | relation
    relation = expr (REL expr)*
    expr     = [sign] term (("+" | "-" | "±") term)*
    term     = power (("*" | "/") power | power)*   juxtaposition multiplies
    power    = postfix ["^" [sign] power]
    postfix  = atom ("%" | "°")*
    atom     = NUMBER | NAME | π | "(" expr ("," expr)* ")" | "√" radicand

In quantity mode letters are unit symbols and a unit may follow each value.
"""

from __future__ import annotations

from collections.abc import Collection
from fractions import Fraction

from edge.inference.grading import nodes as n
from edge.inference.grading.errors import AnswerSyntaxError, LimitError
from edge.inference.grading.lexer import Tok, Token, tokenize
from edge.inference.grading.normalize import MAX_ANSWER_CHARS, normalize

MAX_DEPTH = 30
"""Deepest nesting of parentheses, roots and powers the parser follows."""

_STARTS_ATOM = frozenset({Tok.NUMBER, Tok.NAME, Tok.PI, Tok.LPAREN, Tok.SQRT})
_JOINERS = {Tok.OR: "any", Tok.AND: "all", Tok.COMMA: "list"}


def parse(text: str, units: Collection[str] | None = None) -> n.Node:
    """The syntax tree of an answer; raises AnswerSyntaxError or LimitError."""
    clean = normalize(text)
    if len(clean) > MAX_ANSWER_CHARS:
        raise LimitError(
            f"answer is too long ({len(clean)} characters, at most {MAX_ANSWER_CHARS})",
            f"答案过长（{len(clean)}个字符，最多{MAX_ANSWER_CHARS}个）",
        )
    if not clean:
        raise AnswerSyntaxError("the answer is empty", "答案为空", 0)
    return _Parser(tokenize(clean, units), units is not None).answer()


class _Parser:
    def __init__(self, tokens: list[Token], quantity: bool) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.quantity = quantity

    # -- helpers ---------------------------------------------------------------

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at(self, kind: Tok, *texts: str) -> bool:
        token = self.peek()
        return (
            token is not None
            and token.kind is kind
            and (not texts or token.text in texts)
        )

    def fail(self, what: str, what_zh: str) -> AnswerSyntaxError:
        token = self.peek()
        if token is None:
            return AnswerSyntaxError(
                f"the answer ends too early: {what}", f"答案不完整：{what_zh}", -1
            )
        return AnswerSyntaxError(
            f"unexpected {token.text!r} at position {token.pos + 1}: {what}",
            f"第{token.pos + 1}个字符“{token.text}”处有误：{what_zh}",
            token.pos,
        )

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LimitError("the answer is nested too deeply", "答案嵌套层数过多")

    # -- grammar ---------------------------------------------------------------

    def answer(self) -> n.Node:
        items = [self.item()]
        joiner = ""
        while self.peek() is not None:
            token = self.take()
            kind = _JOINERS.get(token.kind)
            if kind is None:
                self.i -= 1
                raise self.fail("expected the end of the answer", "此处应结束")
            joiner = joiner if joiner and kind == "list" else kind
            items.append(self.item())
        return items[0] if len(items) == 1 else n.AnswerSet(joiner, tuple(items))

    def item(self) -> n.Node:
        if self.at(Tok.WORD):
            return n.Word(self.take().text)
        if self.quantity:
            return self.quantity_item()
        return self.relation()

    def relation(self) -> n.Node:
        operands = [self.expr()]
        ops: list[str] = []
        while self.at(Tok.REL):
            ops.append(self.take().text)
            operands.append(self.expr())
        if not ops:
            return operands[0]
        return n.Relation(tuple(ops), tuple(operands))

    def quantity_item(self) -> n.Node:
        value = self.expr()
        if self.at(Tok.REL):
            raise self.fail("write one value with its unit", "只写一个数值和单位")
        return n.Quantity(value, self.unit() if self.at(Tok.UNIT) else None)

    def unit(self) -> n.Unit:
        factors = [self.unit_factor(1)]
        while self.at(Tok.OP, "/", "*") and self._unit_follows():
            sign = -1 if self.take().text == "/" else 1
            factors.append(self.unit_factor(sign))
        return n.Unit(tuple(factors))

    def _unit_follows(self) -> bool:
        nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        return nxt is not None and nxt.kind is Tok.UNIT

    def unit_factor(self, sign: int) -> tuple[str, int]:
        symbol_token = self.take()
        symbol = symbol_token.text
        power = 1
        if self._bare_power(symbol_token):
            # m2, cm3: a student's superscript written on the line.
            power = int(self.take().text)
        elif self.at(Tok.OP, "^"):
            self.take()
            negative = self.at(Tok.OP, "-")
            if negative:
                self.take()
            if not self.at(Tok.NUMBER) or "." in self.tokens[self.i].text:
                raise self.fail(
                    "a unit power must be a whole number", "单位的指数应为整数"
                )
            power = int(self.take().text[:3]) * (-1 if negative else 1)
        return symbol, sign * power

    def _bare_power(self, symbol: Token) -> bool:
        token = self.peek()
        return (
            token is not None
            and token.kind is Tok.NUMBER
            and token.text in ("2", "3")
            and token.pos == symbol.pos + len(symbol.text)
        )

    def expr(self) -> n.Node:
        self.enter()
        node = self.signed_term()
        while self.at(Tok.OP, "+", "-") or self.at(Tok.PM):
            op = self.take()
            right = self.term()
            if op.kind is Tok.PM:
                node = n.PlusMinus(node, right)
            else:
                node = n.BinOp(op.text, node, right)
        self.depth -= 1
        return node

    def signed_term(self) -> n.Node:
        if self.at(Tok.OP, "-"):
            self.take()
            return n.Neg(self.term())
        if self.at(Tok.PM):
            self.take()
            return n.PlusMinus(None, self.term())
        if self.at(Tok.OP, "+"):
            self.take()
        return self.term()

    def term(self) -> n.Node:
        node = self.power()
        while True:
            if self.at(Tok.OP, "*", "/", "x", "X"):
                op = self.take().text
                right = self.negated_power() if self.at(Tok.OP, "-") else self.power()
                node = n.BinOp("/" if op == "/" else "*", node, right)
            elif self.peek() is not None and self.tokens[self.i].kind in _STARTS_ATOM:
                node = n.BinOp("*", node, self.power(), implicit=True)
            else:
                return node

    def negated_power(self) -> n.Node:
        """``-x`` right after × or ÷, as in 3/-4 or 2×-3."""
        self.take()
        if self.at(Tok.OP, "-"):
            raise self.fail("two minus signs in a row", "连续两个负号")
        return n.Neg(self.power())

    def power(self) -> n.Node:
        base = self.postfix()
        if not self.at(Tok.OP, "^"):
            return base
        self.take()
        self.enter()
        if self.at(Tok.OP, "-"):
            self.take()
            exponent: n.Node = n.Neg(self.power())
        else:
            if self.at(Tok.OP, "+"):
                self.take()
            exponent = self.power()
        self.depth -= 1
        return n.BinOp("^", base, exponent)

    def postfix(self) -> n.Node:
        node = self.atom()
        while self.at(Tok.PERCENT) or self.at(Tok.DEGREE):
            token = self.take()
            node = n.Percent(node) if token.kind is Tok.PERCENT else n.Degree(node)
        return node

    def atom(self) -> n.Node:
        token = self.peek()
        if token is None:
            raise self.fail("a number or letter is missing", "缺少数或字母")
        if token.kind is Tok.NUMBER:
            self.take()
            return _number(token)
        if token.kind is Tok.NAME:
            return n.Name(self.take().text)
        if token.kind is Tok.PI:
            self.take()
            return n.Pi()
        if token.kind is Tok.LPAREN:
            return self.parenthesised()
        if token.kind is Tok.SQRT:
            self.take()
            self.enter()
            radicand = self.radicand()
            self.depth -= 1
            return n.Sqrt(radicand)
        raise self.fail("a number or letter is missing", "缺少数或字母")

    def radicand(self) -> n.Node:
        # √ without parentheses covers one number, letter or root: √2x is (√2)·x.
        if self.at(Tok.LPAREN):
            inner = self.parenthesised()
            return inner.arg if isinstance(inner, n.Paren) else inner
        if self.at(Tok.SQRT):
            return self.atom()
        token = self.peek()
        if token is None or token.kind not in (Tok.NUMBER, Tok.NAME, Tok.PI):
            raise self.fail(
                "√ needs a number, a letter or parentheses", "√后缺少被开方数"
            )
        return self.atom()

    def parenthesised(self) -> n.Node:
        self.take()
        self.enter()
        items = [self.expr()]
        while self.at(Tok.COMMA):
            self.take()
            items.append(self.expr())
        if not self.at(Tok.RPAREN):
            raise self.fail("a closing parenthesis is missing", "缺少右括号")
        self.take()
        self.depth -= 1
        return n.Tuple(tuple(items)) if len(items) > 1 else n.Paren(items[0])


def _number(token: Token) -> n.Num:
    text = token.text
    if len(text.replace(".", "").lstrip("0")) > 40:
        raise LimitError("a number has too many digits", "数字位数过多")
    return n.Num(Fraction(text), text)
