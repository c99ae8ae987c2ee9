"""Roster (党员花名册) and organisation-tree import from .xlsx and .csv files.

Both imports work in two passes. Every row is read and checked first; only when no row has an
error are all rows written, in one transaction, with bulk inserts and updates, so a file goes in
whole or not at all and the number of queries does not grow with the number of rows. Rows are
matched to what exists already, so importing the same file a second time changes nothing. The
package holds base (results and errors), reading (files and cells), scope (the organisations an
import may reach), members, tree and templates; the public names are re-exported here.
"""

from .base import ImportRejected, ImportResult, RowError
from .members import import_members
from .reading import parse_date
from .templates import member_template_xlsx, tree_template_xlsx
from .tree import import_tree

__all__ = [
    "ImportRejected",
    "ImportResult",
    "RowError",
    "import_members",
    "import_tree",
    "member_template_xlsx",
    "parse_date",
    "tree_template_xlsx",
]
