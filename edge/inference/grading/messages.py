"""Every reason the grader can give, in English and Chinese.

A verdict's ``code`` is stable and machine-readable (it feeds mastery and the
review queue); the two texts are what a teacher shows the student.
"""

from __future__ import annotations

from edge.models import Question, Verdict

CATALOGUE: dict[str, tuple[str, str]] = {
    "correct": ("Correct.", "正确。"),
    "equivalent": (
        "Correct: {detail} equals the expected answer.",
        "正确：{detail}与标准答案等价。",
    ),
    "within_tolerance": (
        "Correct within the allowed margin ({detail}).",
        "正确（在允许误差{detail}之内）。",
    ),
    "correct_rounded": ("Correct, given to {detail}.", "正确（保留{detail_zh}）。"),
    "wrong_value": (
        "Incorrect: the value is not the expected one.",
        "错误：数值与标准答案不符。",
    ),
    "not_exact": (
        "Incorrect: {detail} is only close to the expected value; give it exactly.",
        "错误：{detail}只是近似值，请写出准确值。",
    ),
    "outside_tolerance": (
        "Incorrect: the value is outside the allowed margin ({detail}).",
        "错误：数值超出允许误差（{detail}）。",
    ),
    "sigfigs": (
        "The value is right but should have {detail} significant figures.",
        "数值正确，但应保留{detail}位有效数字。",
    ),
    "dec_places": (
        "The value is right but should have {detail} decimal places.",
        "数值正确，但应保留{detail}位小数。",
    ),
    "form_lowest_terms": (
        "Equivalent, but not in lowest terms.",
        "结果正确，但没有化成最简形式（需要约分）。",
    ),
    "form_simplest_radical": (
        "Equivalent, but the radical is not in simplest form.",
        "结果正确，但二次根式不是最简二次根式。",
    ),
    "form_fraction": (
        "Equivalent, but the answer should be a fraction, not a decimal.",
        "结果正确，但应写成分数，不要写成小数。",
    ),
    "form_decimal": (
        "Equivalent, but the answer should be written as a decimal.",
        "结果正确，但应写成小数。",
    ),
    "form_percent": (
        "Equivalent, but the answer should be written as a percentage.",
        "结果正确，但应写成百分数。",
    ),
    "form_scientific": (
        "Equivalent, but write it in scientific notation (a×10^n, 1≤|a|<10).",
        "结果正确，但应用科学记数法表示（a×10^n，1≤|a|<10）。",
    ),
    "form_factored": (
        "Equivalent, but not fully factored.",
        "结果正确，但因式分解不彻底。",
    ),
    "form_expanded": (
        "Equivalent, but not expanded and simplified.",
        "结果正确，但没有展开并合并同类项。",
    ),
    "form_explicit": (
        "Equivalent, but write it solved for {detail}.",
        "结果正确，但应写成用含自变量的式子表示{detail}的形式。",
    ),
    "not_equivalent": (
        "Incorrect: the expression is not equal to the expected answer.",
        "错误：式子与标准答案不相等。",
    ),
    "wrong_solution": (
        "Incorrect: the solution is not the expected one.",
        "错误：解不正确。",
    ),
    "not_equivalent_equation": (
        "Incorrect: the equation is not equivalent to the expected one.",
        "错误：所写等式与标准答案不等价。",
    ),
    "not_a_number": (
        "Incorrect: a number is expected here, not an expression.",
        "错误：此处应填一个数，不是式子。",
    ),
    "not_an_equation": (
        "Incorrect: an equation or solution such as x=2 is expected.",
        "错误：此处应写方程或解，例如 x=2。",
    ),
    "not_solved": (
        "Incorrect: the equation is right but not solved; write the solution.",
        "错误：方程没有解出来，请写出解。",
    ),
    "missing_answers": (
        "Partly right: {detail} of {total} answers found; another answer is missing.",
        "部分正确：共{total}个答案，只写对了{detail}个，有遗漏。",
    ),
    "extra_answers": (
        "Incorrect: the answer includes a value that is not a solution.",
        "错误：答案中包含了不符合要求的值。",
    ),
    "unit_missing": (
        "The number is right but the unit is missing (expected {detail}).",
        "数值正确，但缺少单位（应为{detail}）。",
    ),
    "unit_strict": (
        "Equivalent, but the answer must be given in {detail}.",
        "结果等价，但要求用{detail}作单位。",
    ),
    "unit_dimension": (
        "Incorrect: the unit {detail} measures a different quantity.",
        "错误：单位{detail}与所求物理量不符。",
    ),
    "unit_value": (
        "Incorrect: the unit fits but the value is wrong.",
        "错误：单位正确，但数值不对。",
    ),
    "choice_partial": (
        "Partly right: some correct options chosen, none wrong, but {detail} missing.",
        "部分正确：选对但不全，漏选了{detail}。",
    ),
    "choice_wrong": (
        "Incorrect: option {detail} is wrong.",
        "错误：选项{detail}不正确。",
    ),
    "choice_missing": (
        "Incorrect: not all correct options were chosen ({detail} missing).",
        "错误：漏选了{detail}。",
    ),
    "choice_single": (
        "Incorrect: choose exactly one option.",
        "错误：本题是单选题，只能选一个选项。",
    ),
    "choice_invalid": (
        "Unreadable: {detail} is not one of the options.",
        "无法判断：{detail}不是本题的选项。",
    ),
    "text_wrong": (
        "Incorrect: the expected answer is a different word.",
        "错误：与标准答案不符。",
    ),
    "undefined": (
        "Incorrect: the answer has no value (for example a division by zero).",
        "错误：答案无意义（例如除数为0）。",
    ),
    "empty": ("No answer was given.", "未作答。"),
    "unreadable": (
        "The answer could not be read: {detail}.",
        "答案无法识别：{detail_zh}。",
    ),
    "too_long": (
        "The answer could not be checked: {detail}.",
        "答案无法判断：{detail_zh}。",
    ),
    "bad_key": (
        "The answer key of this question is invalid; the teacher must check it.",
        "本题标准答案有误，需要老师检查。",
    ),
}


def verdict(
    question: Question, code: str, fraction: float = 0.0, **details: object
) -> Verdict:
    """A verdict worth ``fraction`` of the question's points, with its reason."""
    en, zh = CATALOGUE[code]
    fields = {"detail": "", "detail_zh": "", "total": ""} | {
        k: str(v) for k, v in details.items()
    }
    if "|" in fields["detail"]:
        fields["detail"], fields["detail_zh"] = fields["detail"].split("|", 1)
    if not fields["detail_zh"]:
        fields["detail_zh"] = fields["detail"]
    score = round(question.points * fraction, 4)
    return Verdict(
        correct=fraction >= 1.0,
        score=score,
        max_score=question.points,
        reason=en.format(**fields),
        reason_zh=zh.format(**fields),
        code=code,
    )
