"""The interpreter core's own Python: values stored under a key of an instance's dict attribute."""
from __future__ import annotations

from tests.models.snippets import edges, link

ITEMS = {
    "app/drivers.py": """
        class Glance:
            def pull(self):
                pass

        class Docker:
            def pull(self):
                pass

        def load(name):
            return {'glance': Glance, 'docker': Docker}[name]()

        class Host:
            def __init__(self):
                self.drivers = {}
                for name in ('glance', 'docker'):
                    self.drivers[name] = Glance() if name == 'glance' else Docker()

            def pull(self, name):
                driver = self.drivers[name]
                driver.pull()
        """,
}


def test_an_item_of_a_dict_attribute_is_what_the_class_stores_under_any_key():
    assert edges(link(ITEMS), "app.drivers.Host.pull") == {
        ("call", "app.drivers.Glance.pull"), ("call", "app.drivers.Docker.pull")}
