"""Tables: SQLAlchemy models' __tablename__, the queries of DB API functions, oslo.db proxies, versioned objects."""
from __future__ import annotations

MODELS = '''
class BASE(object):
    pass


class Volume(BASE):
    __tablename__ = 'volumes'


class VolumeMetadata(BASE):
    __tablename__ = 'volume_metadata'


class Snapshot(BASE):
    __tablename__ = 'snapshots'
'''

API = '''
from oslo_db.sqlalchemy import enginefacade
from proj.db.sqlalchemy import models

main_context_manager = enginefacade.transaction_context()


def get_session():
    return main_context_manager.get_legacy_facade().get_session()


def model_query(context, model, *args, **kwargs):
    session = kwargs.get('session') or get_session()
    return session.query(model, *args)


def _volume_get_query(context, session=None):
    return model_query(context, models.Volume, session=session)


def _volume_get(context, volume_id, session=None):
    return _volume_get_query(context, session).filter_by(id=volume_id).first()


def volume_get(context, volume_id):
    return _volume_get(context, volume_id)


def _metadata_refs(metadata_dict, meta_class):
    refs = []
    for k, v in metadata_dict.items():
        ref = meta_class()
        refs.append(ref)
    return refs


@enginefacade.writer
def volume_create(context, values):
    values['volume_metadata'] = _metadata_refs(values.get('metadata'), models.VolumeMetadata)
    volume_ref = models.Volume()
    session = get_session()
    with session.begin():
        session.add(volume_ref)
    return _volume_get(context, values['id'], session=session)


def volume_update(context, volume_id, values):
    session = get_session()
    query = _volume_get_query(context, session)
    result = query.filter_by(id=volume_id).update(values)
    return result


def is_valid_model_filters(model, filters):
    for key in filters:
        getattr(model, key)
    return True
'''

FRONT = '''
from oslo_config import cfg
from oslo_db import concurrency

CONF = cfg.CONF
_BACKEND_MAPPING = {'sqlalchemy': 'proj.db.sqlalchemy.api'}
IMPL = concurrency.TpoolDbapiWrapper(CONF, backend_mapping=_BACKEND_MAPPING)


def volume_get(context, volume_id):
    return IMPL.volume_get(context, volume_id)


def volume_update(context, volume_id, values):
    return IMPL.volume_update(context, volume_id, values)
'''

OBJECTS_BASE = '''
from oslo_versionedobjects import base
from proj import objects


class ProjObjectRegistry(base.VersionedObjectRegistry):
    def registration_hook(self, cls, index):
        setattr(objects, cls.obj_name(), cls)
'''

OBJECTS_VOLUME = '''
from proj import db
from proj.objects import base


@base.ProjObjectRegistry.register
class Volume(object):
    @classmethod
    def get_by_id(cls, context, volume_id):
        db.volume_get(context, volume_id)
        return cls()

    def save(self):
        db.volume_update(self._context, self.id, {})
'''

MANAGER = '''
from proj import objects


def create(context, volume_id):
    volume = objects.Volume.get_by_id(context, volume_id)
    volume.save()


def finish(context, volume):
    volume.save()
'''

TREE = {"proj/db/sqlalchemy/models.py": MODELS, "proj/db/sqlalchemy/api.py": API, "proj/db/__init__.py": FRONT,
        "proj/objects/base.py": OBJECTS_BASE, "proj/objects/volume.py": OBJECTS_VOLUME,
        "proj/volume/manager.py": MANAGER}


def test_db_api_function_reads_and_writes_the_models_tables(snippet):
    s = snippet(TREE)
    api = "proj.db.sqlalchemy.api"
    assert s.names(f"{api}.volume_get", "database") == {("volumes", "read")}
    assert s.names(f"{api}.volume_update", "database") == {("volumes", "read"), ("volumes", "write")}
    created = s.names(f"{api}.volume_create", "database")
    assert ("volumes", "write") in created and ("volume_metadata", "read") in created
    write = s.one(f"{api}.volume_create", "database", "volumes")
    assert dict(write.detail)["transaction"] == "writer"


def test_a_generic_helper_taking_the_model_as_a_parameter_touches_no_table(snippet):
    s = snippet(TREE)
    assert s.names("proj.db.sqlalchemy.api.is_valid_model_filters", "database") == set()
    assert s.names("proj.db.sqlalchemy.api._metadata_refs", "database") == set()


def test_backend_proxy_stands_for_the_mapped_module(snippet):
    s = snippet(TREE)
    e = s.one("proj.db.volume_update", "database", "volumes")
    assert e.via[0] == "sqlalchemy.api.volume_update"
    assert dict(e.detail)["api"] == "sqlalchemy.api.volume_update"


def test_versioned_objects_registered_in_their_namespace_and_typed_by_parameter_name(snippet):
    s = snippet(TREE)
    assert s.names("proj.volume.manager.create", "database") == {("volumes", "read"), ("volumes", "write")}
    by_name = s.one("proj.volume.manager.finish", "database", "volumes")
    assert dict(by_name.detail)["confidence"] == "by-name"  # ``volume`` came in untyped: named after Volume
    assert by_name.via[:2] == ("Volume.save", "proj.db.volume_update")


RELATED_MODELS = '''
from sqlalchemy.orm import backref, relationship


class BASE(object):
    pass


class VolumeType(BASE):
    __tablename__ = 'volume_types'


class VolumeTypeExtraSpecs(BASE):
    __tablename__ = 'volume_type_extra_specs'
    volume_type = relationship(VolumeType, backref="extra_specs")


class QualityOfServiceSpecs(BASE):
    __tablename__ = 'quality_of_service_specs'
    vol_types = relationship(VolumeType, backref=backref('qos_specs'))


class Volume(BASE):
    __tablename__ = 'volumes'
    volume_type = relationship('VolumeType', backref=backref('volumes', uselist=False))
'''

RELATED_API = '''
from sqlalchemy.orm import joinedload, joinedload_all
from proj.db.sqlalchemy import models


def model_query(context, model):
    return context.session.query(model)


def volume_type_qos_specs_get(context, type_id):
    return model_query(context, models.VolumeType).options(joinedload('qos_specs')).filter_by(id=type_id).first()


def volume_get(context, volume_id):
    result = model_query(context, models.Volume)
    result = result.options(joinedload('volume_type.extra_specs'))
    return result.filter_by(id=volume_id).first()


def volume_type_get(context, type_id):
    return model_query(context, models.VolumeType).options(joinedload(models.VolumeType.volumes)).first()


def volume_type_plain(context, type_id):
    return model_query(context, models.VolumeType).filter_by(id=type_id).first()
'''


def test_relationships_a_query_loads_are_read(snippet):
    """``joinedload('qos_specs')`` reads the table its model's relationship (here a backref) leads to; a dotted
    path reads every table on it; the attribute form names the relationship on its class."""
    s = snippet({"proj/db/sqlalchemy/models.py": RELATED_MODELS, "proj/db/sqlalchemy/api.py": RELATED_API})
    api = "proj.db.sqlalchemy.api"
    assert s.names(f"{api}.volume_type_qos_specs_get", "database") == {
        ("volume_types", "read"), ("quality_of_service_specs", "read")}
    qos = s.one(f"{api}.volume_type_qos_specs_get", "database", "quality_of_service_specs")
    assert qos.get("model") == "QualityOfServiceSpecs"
    assert s.names(f"{api}.volume_get", "database") == {
        ("volumes", "read"), ("volume_types", "read"), ("volume_type_extra_specs", "read")}
    assert s.names(f"{api}.volume_type_get", "database") == {("volume_types", "read"), ("volumes", "read")}
    assert s.names(f"{api}.volume_type_plain", "database") == {("volume_types", "read")}


GUARDED_API = RELATED_API + '''

def volume_touch(context, volume_id, values):
    if values:
        _volume_write(context, volume_id, values)
    return volume_type_plain(context, volume_id)


def _volume_write(context, volume_id, values):
    model_query(context, models.Volume).filter_by(id=volume_id).update(values)
'''


def test_a_db_helper_called_under_a_branch_gives_its_tables_with_it(snippet):
    s = snippet({"proj/db/sqlalchemy/models.py": RELATED_MODELS, "proj/db/sqlalchemy/api.py": GUARDED_API})
    api = "proj.db.sqlalchemy.api.volume_touch"
    write = next(e for e in s.effects(api) if (e.name, e.action) == ("volumes", "write"))
    assert write.get("guard") == ("if values",) and write.get("conditional") is True
    assert s.one(api, "database", "volume_types").get("guard") is None
