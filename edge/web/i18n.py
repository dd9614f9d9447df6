"""Page strings in Chinese (the default) and English."""

from __future__ import annotations

from flask import request

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "课堂作业实时反馈",
        "login": "登录",
        "logout": "退出",
        "password": "教师密码",
        "wrong_password": "密码错误",
        "too_many": "尝试次数过多，请稍后再试",
        "assignment": "作业",
        "students_answered": "已作答学生",
        "question": "题目",
        "key": "答案",
        "correct_rate": "正确率",
        "answers": "作答",
        "review": "待复核",
        "distribution": "答案分布",
        "common_wrong": "常见错误",
        "students": "学生",
        "finished": "已完成",
        "started": "作答中",
        "not_started": "未开始",
        "outbox": "待上传",
        "live": "实时",
        "offline": "连接中断",
        "language": "English",
    },
    "en": {
        "title": "Live homework results",
        "login": "Log in",
        "logout": "Log out",
        "password": "Teacher password",
        "wrong_password": "Wrong password",
        "too_many": "Too many attempts, try again later",
        "assignment": "Assignment",
        "students_answered": "Students answered",
        "question": "Question",
        "key": "Key",
        "correct_rate": "Correct rate",
        "answers": "Answers",
        "review": "To review",
        "distribution": "Answer distribution",
        "common_wrong": "Common wrong answers",
        "students": "Students",
        "finished": "Finished",
        "started": "Writing",
        "not_started": "Not started",
        "outbox": "Waiting to upload",
        "live": "Live",
        "offline": "Disconnected",
        "language": "中文",
    },
}


def language() -> str:
    """The page language: ``?lang=`` first, then the cookie, then Chinese."""
    lang = request.args.get("lang") or request.cookies.get("lang") or "zh"
    return lang if lang in STRINGS else "zh"


def strings() -> dict[str, str]:
    return STRINGS[language()]
