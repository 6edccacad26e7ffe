"""The fake company's catalogue: branches, service groups and services, and their open state."""

from __future__ import annotations

from dataclasses import dataclass

from ._records import BranchRecord, GroupRecord, ServiceRecord
from ._seed import catalogue


@dataclass(frozen=True, slots=True)
class TreeGroup:
    """A group of a branch's service tree with its listed (active) services."""

    group: GroupRecord
    services: list[ServiceRecord]


class Catalogue:
    """Branches, groups and services by id (the seed's fixed catalogue)."""

    def __init__(self) -> None:
        branches, groups, services = catalogue()
        self.branches: dict[str, BranchRecord] = {b.id: b for b in branches}
        self.groups: dict[str, GroupRecord] = {g.id: g for g in groups}
        self.services: dict[str, ServiceRecord] = {s.id: s for s in services}

    def active_branches(self) -> list[BranchRecord]:
        """Branches that ``GET /branches`` lists (inactive ones never appear)."""
        return [b for b in self.branches.values() if b.active]

    def branch_tree(self, branch_id: str) -> list[TreeGroup] | None:
        """The service tree of an active branch, or ``None`` for an unknown/inactive branch.

        Inactive groups and services are left out, and so are groups left without services.
        """
        branch = self.branches.get(branch_id)
        if branch is None or not branch.active:
            return None
        tree = []
        for group in self.groups.values():
            if group.branch_id != branch_id or not group.active:
                continue
            services = [s for s in self.services.values() if s.group_id == group.id and s.active]
            if services:
                tree.append(TreeGroup(group, services))
        return tree

    def find_service(self, service_id: str) -> ServiceRecord | None:
        """An active service of an active group and branch, else ``None``."""
        service = self.services.get(service_id)
        if service is None or not service.active:
            return None
        group = self.groups[service.group_id]
        if not group.active or not self.branches[group.branch_id].active:
            return None
        return service

    def service_is_open(self, service: ServiceRecord) -> bool:
        """``isOpen``: the service takes walk-ins right now (its branch must be open too)."""
        return service.is_open and self.branch_of(service).is_open

    def group_of(self, service: ServiceRecord) -> GroupRecord:
        """The group a service belongs to."""
        return self.groups[service.group_id]

    def branch_of(self, service: ServiceRecord) -> BranchRecord:
        """The branch a service belongs to."""
        return self.branches[self.groups[service.group_id].branch_id]

    def set_service_open(self, service_id: str, is_open: bool) -> None:
        """Open or close a service (closed services reject walk-ins with HTTP 400)."""
        self.services[service_id].is_open = is_open

    def set_branch_open(self, branch_id: str, is_open: bool) -> None:
        """Open or close a branch (closed branches reject walk-ins with HTTP 400)."""
        self.branches[branch_id].is_open = is_open
