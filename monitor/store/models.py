"""The history database: typed SQLAlchemy 2.0 models. The schema is created by Alembic only.

Every fetched document version is kept (its bytes compressed, content-addressed by sha256), every
report version with all its publication-date claims, one row per table cell for SQL, and every
finding with its triage history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class FindingStatus(StrEnum):
    """Where a stored finding stands (SPEC §6): `open` until a later version no longer shows it
    (`resolved`) or an auditor dismisses it (`dismissed`, until an optional expiry)."""

    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class FindingAction(StrEnum):
    """An entry of a finding's audit trail."""

    OPENED = "opened"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    DISMISSAL_EXPIRED = "dismissal-expired"


class ListingStatus(StrEnum):
    """How the last crawl of a listing page went."""

    OK = "ok"  # read (its links are what the agency lists)
    NOT_MODIFIED = "not-modified"  # 304: as read before
    BLOCKED = "blocked"  # an anti-bot answer, a soft 404, a redirect home or robots.txt (SOURCE-BLOCKED)
    FAILED = "failed"  # no answer, an error status, or no listing in the answer (SOURCE-DOWN when repeated)


class LinkStatus(StrEnum):
    """What became of a report link found on a listing."""

    PENDING = "pending"  # found; not fetched yet, or its fetch failed (tried again next crawl)
    STORED = "stored"  # fetched, read and stored as a version
    UNREADABLE = "unreadable"  # fetched, the reader refused it: kept as an unreadable document
    DEAD = "dead"  # 404/410 the first time it was fetched: recorded, not an alarm
    OTHER = "other"  # the title names another publisher: not this agency's report


class UTCDateTime(TypeDecorator[datetime]):
    """A time-zone-aware datetime stored as UTC on every database (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times are stored with their offset")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Agency(Base):
    """A registry entry (SPEC §6)."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(200), default="")
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    supervisors: Mapped[list[str]] = mapped_column(default=list)
    deadline: Mapped[str | None] = mapped_column(String(5))  # MM-DD override
    updated_at: Mapped[datetime]

    listings: Mapped[list[ListingSource]] = relationship(back_populates="agency", cascade="all, delete-orphan")


class ListingSource(Base):
    """A page that lists an agency's annual reports, and how fetching it went."""

    __tablename__ = "listing_sources"
    __table_args__ = (UniqueConstraint("agency_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    last_checked: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(40))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    first_ok_at: Mapped[datetime | None]  # the first crawl that read it: the monitor watches from then
    last_ok_at: Mapped[datetime | None]  # the last crawl that read it (MISSING needs one after the deadline)
    adapter: Mapped[str | None] = mapped_column(String(20))  # the site adapter that read it
    block_kind: Mapped[str | None] = mapped_column(String(20))  # a BlockKind, while blocked
    last_error: Mapped[str | None] = mapped_column(Text)  # one line: why the last crawl failed or was blocked
    # The validators of the first page when it was last read, for this agency: two agencies listed on one
    # page each read it (a 304 for one says nothing about what the other has recorded).
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)

    agency: Mapped[Agency] = relationship(back_populates="listings")


class HttpCache(Base):
    """Per URL, what conditional GET needs (ETag, Last-Modified) and what the last answer was."""

    __tablename__ = "http_cache"

    url_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the URL
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the last body
    checked_at: Mapped[datetime]


class CrawlLink(Base):
    """A report link found on an agency's listing: its title, year and listed date, when the crawl
    first and last saw it, what became of it, and when it disappeared (REMOVED)."""

    __tablename__ = "crawl_links"
    __table_args__ = (UniqueConstraint("agency_id", "url_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    url_hash: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    listing_url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int]
    correction: Mapped[bool] = mapped_column(Boolean, default=False)
    listed_on: Mapped[date | None] = mapped_column(Date)
    listed_raw: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))  # a LinkStatus
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]  # the last crawl that found it on its listing
    checked_at: Mapped[datetime | None]  # the last fetch of the report itself
    gone_at: Mapped[datetime | None]  # dropped from its listing, or 404/410 when re-checked
    gone_reason: Mapped[str | None] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)


class Blob(Base):
    """Raw document bytes, zlib-compressed, addressed by the sha256 of the uncompressed bytes."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Document(Base):
    """One fetch (or hand ingest) of one URL or file: every version is kept."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    fetched_at: Mapped[datetime]
    http_status: Mapped[int | None]
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # The agency it was fetched for, and why it could not be read (NULL: it was read).
    agency_id: Mapped[str | None] = mapped_column(
        ForeignKey("agencies.id", ondelete="SET NULL", name="fk_documents_agency_id_agencies"), index=True)
    read_error: Mapped[str | None] = mapped_column(Text)


class Report(Base):
    """One version of one agency's report for one year."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "version"),
        UniqueConstraint("agency_id", "year", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    year: Mapped[int]
    version: Mapped[int]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(10))
    parse_status: Mapped[str] = mapped_column(String(20))  # ok
    first_seen: Mapped[datetime]
    published: Mapped[datetime | None]  # earliest credible claim of this version
    published_day: Mapped[date | None] = mapped_column(Date)  # its calendar day in Beijing
    published_source: Mapped[str | None] = mapped_column(String(60))
    deadline: Mapped[date | None] = mapped_column(Date)

    dates: Mapped[list[ReportDate]] = relationship(cascade="all, delete-orphan", order_by="ReportDate.id")
    sections: Mapped[list[ReportSection]] = relationship(cascade="all, delete-orphan")


class ReportDate(Base):
    """One publication-date claim of a report version and where it came from."""

    __tablename__ = "report_dates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(60))
    value: Mapped[datetime]
    raw: Mapped[str] = mapped_column(Text)


class ReportSection(Base):
    """The narrative text of one section of a report version (for text comparison across years)."""

    __tablename__ = "report_sections"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(30), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class ReportValue(Base):
    """One template cell of one report version: `value` is null where the document has none.

    Reached through its report (the key begins with report_id); on SQLite one B-tree, WITHOUT ROWID."""

    __tablename__ = "report_values"
    __table_args__ = ({"sqlite_with_rowid": False},)

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    table_key: Mapped[str] = mapped_column(String(30), primary_key=True)
    row_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    field_key: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)


class Finding(Base):
    """A rule's finding for one agency-year, upserted by fingerprint across versions and runs."""

    __tablename__ = "findings"
    # (agency, year, status, severity) answers the per-agency counts of v_compliance by index even
    # before SQLite has statistics (with only `status` indexed it scanned every open finding per row).
    __table_args__ = (
        Index("ix_findings_agency_year_status", "agency_id", "year", "status", "severity"),
        Index("ix_findings_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    year: Mapped[int]
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10))  # a FindingStatus
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    triaged_by: Mapped[str | None] = mapped_column(String(100))
    triaged_at: Mapped[datetime | None]
    triage_reason: Mapped[str | None] = mapped_column(Text)
    dismissed_until: Mapped[date | None] = mapped_column(Date)

    events: Mapped[list[FindingEvent]] = relationship(cascade="all, delete-orphan", order_by="FindingEvent.id")


class FindingEvent(Base):
    """The audit trail of a finding: opened, seen again, resolved, reopened, confirmed, dismissed."""

    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(20))  # a FindingAction
    actor: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))


class AlertKind(StrEnum):
    """What an alert tells its recipient."""

    NEW = "new"  # a problem mailed for the first time
    REPEAT = "repeat"  # still open after the repeat interval, or open again after a 「已纠正」 notice
    RESOLVED = "resolved"  # the 「已纠正」 notice of a problem that was mailed
    REMINDER = "reminder"  # a deadline is near and the agency has published no report yet


class MailStatus(StrEnum):
    """Where a digest mail of the outbox stands."""

    QUEUED = "queued"  # stored, not delivered yet (maybe failed, retried at next_attempt_at)
    SENT = "sent"  # the SMTP server accepted it, or its .eml file was written
    GIVEN_UP = "given-up"  # refused for good (SMTP 5xx) or max_attempts reached


class Alert(Base):
    """One notice for one recipient: of a finding (new, repeat, resolved), or a deadline reminder of the
    agency-year it names (`agency_id`, `year`; NULL for a finding's alert, whose finding names them).
    Queued with `mail_id` NULL; a send puts it into a digest mail, whose delivery time and attempts it
    mirrors (`sent_at`, `attempts`, `last_error`). Kept after delivery."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_unsent", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[str | None] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE", name="fk_alerts_agency_id_agencies"))
    year: Mapped[int | None]
    recipient: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # an AlertKind
    created_at: Mapped[datetime]
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mails.id", name="fk_alerts_mail_id_mails"), index=True)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Mail(Base):
    """The outbox: one digest for one recipient, stored with its exact MIME bytes before delivery and
    marked sent only once delivered, so that none is lost and a re-delivery is the same message."""

    __tablename__ = "mails"
    __table_args__ = (Index("ix_mails_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # the message as sent (RFC 5322, CRLF line ends)
    status: Mapped[str] = mapped_column(String(20))  # a MailStatus
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]  # a queued mail is not tried before (NULL: at once)
    sent_at: Mapped[datetime | None]
    given_up_at: Mapped[datetime | None]


class Run(Base):
    """What one command run did (ingest, crawl, deadlines, send)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))  # running | ok | failed
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
