"""The jsonschema model: a format checker subclass reads the functions its decorators registered."""
from __future__ import annotations

from tests.models.snippets import edges, link

FILES = {
    "app/validators.py": """
        import jsonschema

        @jsonschema.FormatChecker.cls_checks('uuid')
        def _validate_uuid(instance):
            return True

        @jsonschema.FormatChecker.cls_checks('name', ValueError)
        def _validate_name(value):
            return True

        def not_registered(value):
            return True

        class FormatChecker(jsonschema.FormatChecker):
            def check(self, param, format):
                if format not in self.checkers:
                    return
                func, raises = self.checkers[format]
                func(param)

            def check_uuid(self, param):
                func, raises = self.checkers['uuid']
                func(param)
        """,
}


def test_a_checker_subclass_calls_the_registered_functions():
    lk = link(FILES)
    assert edges(lk, "app.validators.FormatChecker.check") >= {
        ("call", "app.validators._validate_uuid"), ("call", "app.validators._validate_name")}
    assert ("call", "app.validators.not_registered") not in edges(lk, "app.validators.FormatChecker.check")
    # a literal format reads its own row only
    assert edges(lk, "app.validators.FormatChecker.check_uuid") == {("call", "app.validators._validate_uuid")}
