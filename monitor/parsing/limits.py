"""Budgets that hold for any input: how much a document may hold before it is refused with one line.

Every reader takes its limits from here, so that the whole set is visible in one place; each limit is
far above what a real annual report needs (the template has about 200 cells in three tables).
"""

# The document as fetched.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024

# DOCX, PDF and archives
# A zip archive (a DOCX package, a ZIP attachment) is unpacked by streaming, counting the bytes that
# really come out (the sizes in its headers may lie): at most MAX_UNPACKED_BYTES in all, and at most
# MAX_COMPRESSION_RATIO times the archive's own size.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_ARCHIVE_MEMBERS = 10_000
# A DOCX: the size of each XML part read (its tree takes several times that in memory; a long
# report's word/document.xml is a few MB), text boxes, layout tables and content controls inside one
# another, table grid positions (gridSpan repeats a cell across columns) over the whole document.
MAX_DOCX_PART_BYTES = 32 * 1024 * 1024
MAX_DOCX_NESTING = 16
MAX_DOCX_GRID_CELLS = 200_000
# A PDF: pages (counted from the page tree before any page is read), drawn objects (characters,
# lines, rectangles, curves, images, forms) on one page and in the whole document, bytes a stream
# decodes to (one stream; all streams of the document), units of pdfminer's parsing (tokens of
# objects and of page content, a form's each time it is drawn, and the entries it makes of font
# widths and character-map ranges: a report has about five thousand a page), and the crossings of
# ruling lines that table finding works on, per page (pdfplumber's cell search grows with their
# square).
MAX_PDF_PAGES = 150
MAX_PDF_PAGE_OBJECTS = 20_000
MAX_PDF_OBJECTS = 300_000
MAX_PDF_STREAM_BYTES = 64 * 1024 * 1024
MAX_PDF_DECODED_BYTES = 200 * 1024 * 1024
MAX_PDF_TOKENS = 2_000_000
MAX_PDF_PAGE_CROSSINGS = 2_000
# DOC and WPS files are converted by LibreOffice: at most this long (its output: MAX_DOCUMENT_BYTES).
CONVERT_TIMEOUT_S = 120

# Fetching
# A download: connecting and each read may wait FETCH_READ_TIMEOUT_S, the whole download (headers
# and body) at most FETCH_DEADLINE_S; the body is read up to MAX_DOCUMENT_BYTES.
FETCH_READ_TIMEOUT_S = 30
FETCH_DEADLINE_S = 60

# HTML and text
# A web page: its tags (counted in the bytes before parsing: the tree costs a few hundred bytes per
# tag; a real page has tens of thousands, a 50 MB page of chrome about 3 million), its tables and
# how deep tables sit inside tables.
MAX_HTML_TAGS = 3_000_000
MAX_TABLES = 500
MAX_NESTING = 16
# Tables of a web page or a text file: grid positions of one table once rowspan/colspan are
# expanded, grid positions over the whole document, and the characters that spans repeat (a cell's
# text is copied into every position it covers) over the whole document.
MAX_TABLE_CELLS = 20_000
MAX_GRID_CELLS = 200_000
MAX_REPEATED_TEXT = 2_000_000
# Paragraphs of a web page or a text file (a long report has a few hundred).
MAX_PARAGRAPHS = 100_000
