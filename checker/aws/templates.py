"""Session-policy templates: the shared filler (checker.core.templates), under the AWS engine's name."""

from checker.core.templates import fill_template, placeholders

__all__ = ["fill_template", "placeholders"]
