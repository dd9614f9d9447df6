"""``edge-gateway grade``: grade one answer against a question file's key."""

from __future__ import annotations

import argparse
import json
from typing import Any

from edge.errors import HomeworkError
from edge.homework import load_question_file
from edge.inference.grading import grade
from edge.models import Assignment, Question


def register(subparsers: Any) -> None:
    """Add the ``grade`` subcommand."""
    parser = subparsers.add_parser(
        "grade",
        help="grade an answer against a question or assignment file",
        description=(
            "Grade ANSWER (linear answer notation, e.g. -3/4, 2√2, 36km/h, AC) "
            "against the key in QUESTION_FILE. A lone question needs only id, "
            "type, answer and the fields grading uses."
        ),
    )
    parser.add_argument(
        "question_file", metavar="QUESTION_FILE", help="YAML question file"
    )
    parser.add_argument(
        "answer",
        metavar="ANSWER",
        help="the answer text; after -- if it starts with a minus sign: -- -3/4",
    )
    parser.add_argument(
        "--question", metavar="ID", help="question id when the file has several"
    )
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    parser.set_defaults(func=run)


def pick_question(
    loaded: list[Question] | Assignment, question_id: str | None
) -> Question:
    """The question named by ``question_id``, or the only one in the file."""
    questions = list(loaded.questions if isinstance(loaded, Assignment) else loaded)
    if question_id is None:
        if len(questions) == 1:
            return questions[0]
        ids = ", ".join(q.id for q in questions[:12])
        ids += ", …" if len(questions) > 12 else ""
        raise HomeworkError(
            f"the file has {len(questions)} questions; pick one with --question ({ids})"
        )
    for question in questions:
        if question.id == question_id:
            return question
    raise HomeworkError(f"no question {question_id!r} in the file")


def run(args: argparse.Namespace) -> int:
    """Grade the answer and print the verdict; exit 0 if correct, 1 if not."""
    answer = args.answer
    question = pick_question(load_question_file(args.question_file), args.question)
    verdict = grade(question, answer)
    if args.json:
        print(
            json.dumps(
                {
                    "question": question.id,
                    "answer": answer,
                    "correct": verdict.correct,
                    "score": verdict.score,
                    "max_score": verdict.max_score,
                    "reason": verdict.reason,
                    "reason_zh": verdict.reason_zh,
                    "code": verdict.code,
                },
                ensure_ascii=False,
            )
        )
    else:
        mark = "correct" if verdict.correct else "incorrect"
        print(f"{question.id}: {mark} ({verdict.score:g}/{verdict.max_score:g})")
        print(f"reason: {verdict.reason}")
        print(f"理由: {verdict.reason_zh}")
    return 0 if verdict.correct else 1
