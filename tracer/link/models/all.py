"""link models: the registered library models.

Stage: link.  The one list of models; adding a library is adding its module and its class here.
"""
from __future__ import annotations

from tracer.link.models.base import Model
from tracer.link.models.clients import Clients
from tracer.link.models.flask import Flask
from tracer.link.models.jsonschema import Jsonschema
from tracer.link.models.openstacksdk import OpenStackSDK
from tracer.link.models.oslo_config import OsloConfig
from tracer.link.models.oslo_db import OsloDb
from tracer.link.models.oslo_messaging import OsloMessaging
from tracer.link.models.oslo_utils import OsloUtils
from tracer.link.models.oslo_versionedobjects import OsloVersionedObjects
from tracer.link.models.pecan import Pecan
from tracer.link.models.python import Python
from tracer.link.models.routes import RoutesLib
from tracer.link.models.stevedore import Stevedore
from tracer.link.models.taskflow import Taskflow
from tracer.link.models.wsgi import Wsgi

MODELS: tuple[type[Model], ...] = (
    Python, OsloConfig, OsloUtils, Stevedore, OsloMessaging, Taskflow, OsloDb, OsloVersionedObjects, RoutesLib, Pecan,
    Flask, OpenStackSDK, Clients, Wsgi, Jsonschema,
)

__all__ = ["MODELS"]
