"""Links in the designer: their conditions in words (summary, Qt-free) and the dialogs that edit links and
junctions (editor)."""
