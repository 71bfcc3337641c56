"""The core's abstract methods: a call on a value typed as a class whose method only declares it reaches
the overrides of the subclasses, as ``candidate`` driver edges (the object is one of them)."""
from __future__ import annotations

from tests.models.snippets import edges, link

FILES = {
    "app/profiles.py": """
        import abc

        class Profile:
            @classmethod
            def load(cls, ctx):
                return cls(ctx)

            def __init__(self, ctx):
                self.ctx = ctx

            @classmethod
            def create_object(cls, ctx):
                profile = cls.load(ctx)
                return profile.do_create()

            def do_create(self):
                \"\"\"For subclass to override.\"\"\"
                raise NotImplementedError

            def do_delete(self):
                raise NotImplementedError()

            def validate(self):
                return True

            def check(self):
                self.do_create()

            @abc.abstractmethod
            def do_update(self):
                return None

        class Server(Profile):
            def do_create(self):
                return self.validate()

            def do_update(self):
                return self.ctx

            def validate(self):
                return False

        class Stack(Profile):
            def do_create(self):
                super().do_create()

        class Abstract(Profile):
            def do_create(self):
                pass

        def delete(ctx):
            Profile(ctx).do_delete()
            Profile(ctx).validate()
            Profile(ctx).do_update()
        """,
}


def test_an_abstract_method_reaches_the_subclasses_overrides():
    lk = link(FILES)
    made = [e for e in lk.edges("app.profiles.Profile.create_object") if e.kind == "driver"]
    # Abstract.do_create is a declaration again (only pass): not an implementation
    assert {(e.target, e.confidence) for e in made} == {
        ("app.profiles.Server.do_create", "candidate"), ("app.profiles.Stack.do_create", "candidate")}
    assert all(dict(e.meta)["abstract"] == "app.profiles.Profile.do_create" for e in made)
    # the call of the declaration itself stays: it runs when no subclass overrides it
    assert ("call", "app.profiles.Profile.do_create") in edges(lk, "app.profiles.Profile.create_object")


def test_a_method_with_a_body_or_no_override_makes_no_candidate():
    found = edges(link(FILES), "app.profiles.delete")
    assert ("call", "app.profiles.Profile.do_delete") in found  # raise NotImplementedError(): nobody overrides
    assert ("driver", "app.profiles.Server.validate") not in found  # Profile.validate does something
    assert ("driver", "app.profiles.Server.do_update") in found  # @abstractmethod, whatever its body


def test_self_and_super_calls_are_left_to_the_inherited_copies():
    lk = link(FILES)
    assert not [e for e in lk.edges("app.profiles.Profile.check") if e.kind == "driver"]
    assert not [e for e in lk.edges("app.profiles.Stack.do_create") if e.kind == "driver"]


NEW = {
    "app/info.py": """
        class Info:
            def __new__(cls, value):
                if cls is not Info:
                    return super().__new__(cls)
                klass = ClassInfo if isinstance(value, type) else TemplateInfo
                return super(Info, cls).__new__(klass)

            def __init__(self, value):
                self.value = value

        class ClassInfo(Info):
            def get_class(self):
                return self.value

        class TemplateInfo(Info):
            def get_class(self):
                return None

        class Plain:
            pass

        def lookup(value):
            Info(value).get_class()
            Plain()
        """,
}


def test_a_class_whose_new_picks_another_makes_instances_of_it():
    lk = link(NEW)
    assert lk.r.eval(("c", ("n", "Info"), (("n", "value"),), ()), "app.info.lookup") == frozenset({
        ("inst", "app.info.Info"), ("inst", "app.info.ClassInfo"), ("inst", "app.info.TemplateInfo")})
    assert {t for k, t in edges(lk, "app.info.lookup")} >= {"app.info.ClassInfo.get_class",
                                                           "app.info.TemplateInfo.get_class"}
    assert lk.r.eval(("c", ("n", "Plain"), (), ()), "app.info.lookup") == frozenset({("inst", "app.info.Plain")})
