"""``help()`` on a client class names its namespaces and every method of each."""

from __future__ import annotations

import pydoc

import pytest

import skiplino_async as sk
from skiplino_async._sync._mirror import public_methods
from skiplino_async.resources._base import Resource


@pytest.mark.parametrize("cls", [sk.Skiplino, sk.SyncSkiplino])
def test_help_names_the_namespaces_and_their_methods(cls: type) -> None:
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    lines = {
        line.split("``client.")[1].split("``")[0]: line
        for line in text.splitlines()
        if "- ``client." in line
    }
    namespaces = {
        n: v for n, v in vars(sk.Skiplino("sk_test_x")).items() if isinstance(v, Resource)
    }
    assert lines.keys() == namespaces.keys()
    for name, namespace in namespaces.items():
        for method in public_methods(type(namespace)):
            assert f"``{method}``" in lines[name], (name, method)
