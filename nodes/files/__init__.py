"""The files pack (File Management): Orchestrator's file activities on this machine or, through an
`ssh` connection, on a host over SFTP — the same code for both (filesystem.py: local.py, sftp.py)."""

from engine.activity import Pack

from .compress import Compress
from .delete import DeleteFile
from .find_text import FindText
from .folders import CreateFolder, DeleteFolder
from .lines import AppendLine, ReadLine
from .status import GetFileStatus
from .transfer import CopyFile, MoveFile, RenameFile

PACK = Pack(
    name="files",
    title="File Management",
    description="Folders and files here or on an ssh host: create, copy, move, rename, delete, status, "
                "lines, text search and zip.",
    activities=[CreateFolder, DeleteFolder, CopyFile, MoveFile, RenameFile, DeleteFile, GetFileStatus,
                ReadLine, AppendLine, FindText, Compress],
)
