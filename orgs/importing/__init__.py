"""Roster (党员花名册) and organisation-tree import from .xlsx and .csv files.

Both imports work in two passes. Every row is read and checked first, outside any transaction;
only when no row has an error are all rows written, in one short transaction, with bulk inserts
and updates, so a file goes in whole or not at all and the number of queries does not grow with
the number of rows. Rows are matched to what exists already, so importing the same file a second
time changes nothing. Large files run in a worker (jobs, started by orgs.services.start_import).

The package's modules: base (results, errors, the table read from a file), reading (files and
cells), scope (the organisations an import may reach), members, tree, templates and jobs. They
share the public names of base, reading and scope; what the rest of the project uses is listed
here.
"""

from .base import IMPORT_LOCK, BadCell, ImportRejected, ImportResult, RowError, Table
from .errors import RowErrors, errors_file_path
from .jobs import MEMBERS, TREE, run_import_job
from .members import import_members
from .reading import (
    blank,
    cached,
    cell_text,
    check_size,
    lookup,
    name_key,
    open_table,
    parse_date,
    placeholder,
    split_path,
)
from .scope import orgs_with_keys, scope_orgs
from .templates import member_template_xlsx, template_xlsx, tree_template_xlsx
from .tree import import_tree

__all__ = [
    "IMPORT_LOCK",
    "MEMBERS",
    "TREE",
    "BadCell",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "RowErrors",
    "Table",
    "blank",
    "cached",
    "cell_text",
    "check_size",
    "errors_file_path",
    "import_members",
    "import_tree",
    "lookup",
    "member_template_xlsx",
    "name_key",
    "open_table",
    "orgs_with_keys",
    "parse_date",
    "placeholder",
    "run_import_job",
    "scope_orgs",
    "split_path",
    "template_xlsx",
    "tree_template_xlsx",
]
