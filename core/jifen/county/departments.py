"""The county's departments (tenant.toml ``[departments]``) as a choice of a plugin's settings.

A setting that names a department (the committee of a program) is a choice among the bound county's
own departments: :func:`department_field` makes such a field. Its choices and their names are read
when a form is drawn or a value is checked, in the county bound then; with no county bound (a
conformance check, the docs) there are none, and no value is refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import marshmallow as ma

from jifen.county.tenancy import current_tenant


def departments() -> dict[str, dict[str, str]]:
    """The bound county's departments, key -> names in zh and en (none when no county is bound)."""
    tenant = current_tenant()
    return dict(tenant.settings.get("departments", {})) if tenant is not None else {}


class CountyDepartment(ma.validate.OneOf):
    """One of the bound county's departments. With no county bound (a county folder read before its
    county exists) any value passes: it is checked again when the county's settings are stored."""

    def __init__(self, *, error: str | None = None) -> None:
        super().__init__((), error=error)

    def __call__(self, value):
        return value if current_tenant() is None else super().__call__(value)

    @property  # type: ignore[override]  # OneOf keeps a fixed list; this one is the county's, read when asked
    def choices(self) -> tuple[str, ...]:
        return tuple(departments())

    @choices.setter
    def choices(self, _value) -> None:  # set by OneOf.__init__; the county's list is read when asked
        pass

    @property
    def choices_text(self) -> str:
        return ", ".join(self.choices)

    @choices_text.setter
    def choices_text(self, _value) -> None:
        pass


class DepartmentNames(Mapping):
    """The names of the bound county's departments, as a field's ``metadata["choices"]``."""

    def __getitem__(self, key: str) -> dict[str, str]:
        return departments()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(departments())

    def __len__(self) -> int:
        return len(departments())


def department_field(*, label: dict[str, str], help: dict[str, str] | None = None,
                     required: bool = False) -> ma.fields.String:
    """A settings field whose value is one of the county's departments, drawn as a choice by their names.
    Not ``required``: it may be left empty (``None``)."""
    metadata = {"label": label, "choices": DepartmentNames()}
    if help:
        metadata["help"] = help
    if required:
        return ma.fields.String(required=True, validate=CountyDepartment(), metadata=metadata)
    return ma.fields.String(load_default=None, allow_none=True, validate=CountyDepartment(), metadata=metadata)
