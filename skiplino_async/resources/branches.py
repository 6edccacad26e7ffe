"""``client.branches``: active branches and their service trees."""

from __future__ import annotations

from typing import Unpack

from .._operations import BRANCH_TREE, LIST_BRANCHES
from .._types import CallOptions
from ..models import Branch, BranchTreeGroup
from ._base import Resource

# Aliases: inside the class, ``list`` is the method.
_Branches = list[Branch]
_Tree = list[BranchTreeGroup]


class Branches(Resource):
    """Branches of the key's company. Public or secret keys."""

    __slots__ = ()

    async def list(self, **options: Unpack[CallOptions]) -> _Branches:
        """``GET /branches``: the company's active branches, each with its open state."""
        return await self._run(LIST_BRANCHES, options)

    async def tree(self, branch_id: str, **options: Unpack[CallOptions]) -> _Tree:
        """``GET /branches/{branchId}/tree``: active service groups with their active services.

        Empty groups are left out by the API. A service's ``is_appointment`` says whether to
        look up slots and book with a ``time``.
        """
        return await self._run(BRANCH_TREE, options, branch_id)
