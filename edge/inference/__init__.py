"""Reading and grading answers: recognition, grading, mastery."""
