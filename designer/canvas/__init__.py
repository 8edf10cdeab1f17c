"""The canvas: a QGraphicsScene that mirrors an engine.document.Document, and the view around it."""
