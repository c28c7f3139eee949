"""Class management service's internal API (ARCHITECTURE §1, §4), for the gateway, the BFF and content.

Every route but the credential check serves the teacher in ``X-User-ID`` only: what is not theirs
is a 404 (or null, in the multi-id lookup).

- ``POST /internal/v1/auth/verify`` (gateway): check a teacher's credentials before issuing a token.
- ``GET /internal/v1/users/{user_id}`` (gateway, BFF): the caller's own profile.
- ``GET /internal/v1/classes/{class_id}`` (content, gateway, BFF): one of the caller's classes.
- ``GET /internal/v1/batches/class-info?batch_ids=a,b`` (BFF): each of the caller's batches' class, or null.
- ``GET /internal/v1/batches/{batch_id}/student-names`` (BFF): the teacher-confirmed author of each essay.
- ``GET /internal/v1/batches/unconfirmed-matches?limit=&offset=`` (BFF): the caller's batches whose essays
  still wait for the teacher to confirm their authors, for the dashboard's "needs action" list.
- ``GET /internal/v1/students/{student_id}/record`` (BFF): :class:`StudentRecord`, for the student data export.

And the teacher routes, through the gateway or the BFF (each one the ``X-User-ID`` teacher's own):

- ``POST /v1/auth/password`` :class:`ChangePasswordRequest`: the teacher's own password.
- ``/v1/classes`` (create :class:`ClassCreate`, list :class:`ClassList`), ``/v1/classes/{class_id}`` (get
  :class:`ClassDetail`, patch :class:`ClassUpdate`, delete), ``PUT``/``DELETE``
  ``/v1/classes/{class_id}/students/{student_id}`` (the roster).
- ``/v1/students`` (create :class:`StudentCreate`, list :class:`StudentList`, ``?class_id=``),
  ``/v1/students/{student_id}`` (get :class:`StudentOut`, patch :class:`StudentUpdate`, delete).
- ``GET /v1/batches/{batch_id}/associations`` and ``POST .../associations/rematch`` (:class:`BatchAssociations`),
  ``POST .../associations/confirm`` (:class:`ConfirmAssociations`).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from common_core.fields import NonEmptyStr

MAX_BATCH_IDS_PER_CLASS_INFO = 100
MAX_UNCONFIRMED_BATCHES_PER_PAGE = 100
MAX_ASSOCIATIONS_PER_CONFIRM = 500
# A password's rule, at account creation and at every change; the maximum is also what sign-in
# accepts, so no account can get a password it could never sign in with.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
# Deliberately loose: the address only has to be one a teacher can type and read back.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# A teacher's sign-in address: the one rule for signing in and for creating the account.
EmailAddress = Annotated[NonEmptyStr, Field(max_length=320, pattern=EMAIL_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VerifyCredentialsRequest(_Strict):
    """The sign-in form as the gateway received it. Repeated failures lock the account for a while (429)."""

    email: EmailAddress
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class ChangePasswordRequest(_Strict):
    """``POST /v1/auth/password``: whose password is the ``X-User-ID`` teacher's, never a field here.

    A wrong ``old_password`` is a 403 and counts toward the account's sign-in lock (429 once locked);
    a ``new_password`` equal to the old one is a 400.
    """

    old_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description="The same rule as at account creation.",
    )


class AccountLookupRequest(_Strict):
    """``POST /internal/v1/users/lookup`` (BFF only, for a signed-in teacher): a colleague's account by email,
    to add them as a moderator (issue 24). An unknown email is a 404 that says only that."""

    email: EmailAddress


class AccountLookupResponse(_Strict):
    """The account's id and the email it matched, nothing else: the teacher who asked typed that email already,
    and learns nothing more of the colleague (not their name)."""

    user_id: UUID
    email: EmailAddress = Field(
        description="The account's email as class management stores it (trimmed, lower case): the one the "
        "lookup matched, which may differ from the typed one in case and surrounding spaces."
    )


class UserProfile(_Strict):
    """A teacher. Also the answer to a successful credential check."""

    user_id: UUID = Field(description="The value the gateway puts in X-User-ID.")
    email: str
    display_name: str
    locale: str = Field(description='BCP 47 tag, e.g. "sv-SE".')
    created_at: AwareDatetime


class ClassRef(_Strict):
    """``GET /internal/v1/classes/{class_id}``: a class of the ``X-User-ID`` teacher."""

    class_id: UUID
    name: str
    course_code: str


class BatchClassInfo(_Strict):
    class_id: UUID
    class_name: str


class BatchClassInfoResponse(RootModel[dict[UUID, BatchClassInfo | None]]):
    """Every requested batch id: its class, or null when the batch is unknown, another teacher's, or has no class."""

    model_config = ConfigDict(frozen=True)


class EssayStudentName(_Strict):
    essay_id: UUID
    student_id: UUID
    first_name: str
    last_name: str


class BatchStudentNamesResponse(_Strict):
    """The confirmed essay-to-student associations of a batch; unconfirmed essays are absent."""

    batch_id: UUID
    students: list[EssayStudentName]


class BatchUnconfirmedMatches(_Strict):
    """One batch with essays whose author the teacher has not confirmed yet."""

    batch_id: UUID
    class_id: UUID
    class_name: str
    suggested: int = Field(ge=0, description="Unconfirmed essays with a suggested student, waiting for a yes.")
    unmatched: int = Field(ge=0, description="Unconfirmed essays without any suggested student.")


class UnconfirmedMatchesPage(_Strict):
    """The ``X-User-ID`` teacher's batches with unconfirmed authors, newest first.

    Only batches with a class of their owner: without one there is no student to confirm.
    """

    items: list[BatchUnconfirmedMatches]
    total: int = Field(ge=0, description="All such batches of the teacher, not just this page.")
    limit: int = Field(ge=1, le=MAX_UNCONFIRMED_BATCHES_PER_PAGE)
    offset: int = Field(ge=0)


# The teacher routes' bodies. Validation errors name the field: the shared error handler lists
# each pydantic error's location.


class _Patch(_Strict):
    """A partial update: fields left out stay as they are; only ``_CLEARABLE`` ones may be null."""

    _CLEARABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _no_null_for_what_must_stay(cls, data: object) -> object:
        # Before the field checks, whose length limits would otherwise trip over the null first.
        if isinstance(data, dict):
            for field in sorted(data):
                if data[field] is None and field in cls.model_fields and field not in cls._CLEARABLE:
                    raise ValueError(f"{field} cannot be null; leave it out to keep it")
        return data

    @model_validator(mode="after")
    def _something_to_change(self) -> _Patch:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        return self

    @model_serializer(mode="wrap")
    def _only_what_changes(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # A dumped update must be one this model accepts: "not given" is written as absent, not null.
        dumped: dict[str, object] = handler(self)
        return {key: value for key, value in dumped.items() if key in self.model_fields_set}


class ClassCreate(_Strict):
    name: NonEmptyStr = Field(max_length=200)
    course_code: NonEmptyStr = Field(max_length=50)


class ClassUpdate(_Patch):
    name: NonEmptyStr | SkipJsonSchema[None] = Field(default=None, max_length=200)
    course_code: NonEmptyStr | SkipJsonSchema[None] = Field(default=None, max_length=50)


class StudentCreate(_Strict):
    first_name: NonEmptyStr = Field(max_length=100)
    last_name: NonEmptyStr = Field(max_length=100)
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    class_ids: list[UUID] = Field(default_factory=list, max_length=50)


class StudentUpdate(_Patch):
    first_name: NonEmptyStr | SkipJsonSchema[None] = Field(default=None, max_length=100)
    last_name: NonEmptyStr | SkipJsonSchema[None] = Field(default=None, max_length=100)
    _CLEARABLE: ClassVar[frozenset[str]] = frozenset({"email"})

    # An explicit null removes the address; leaving the field out keeps it.
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)


class StudentOut(BaseModel):
    student_id: UUID
    first_name: str
    last_name: str
    email: str | None
    class_ids: list[UUID]
    created_at: AwareDatetime
    updated_at: AwareDatetime


class StudentList(BaseModel):
    """``GET /v1/students``: the teacher's students, or one class's roster with ``?class_id=``."""

    students: list[StudentOut]


class ClassOut(BaseModel):
    class_id: UUID
    name: str
    course_code: str
    student_count: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ClassList(BaseModel):
    classes: list[ClassOut]


class ClassDetail(ClassOut):
    students: list[StudentOut]


class AssociationConfirm(_Strict):
    essay_id: UUID
    student_id: UUID


class ConfirmAssociations(_Strict):
    """Confirm a suggestion (send its student) or correct it (send another one)."""

    associations: list[AssociationConfirm] = Field(min_length=1, max_length=MAX_ASSOCIATIONS_PER_CONFIRM)


class EssayAssociationOut(BaseModel):
    essay_id: UUID
    filename: str
    author_hint: str | None
    status: Literal["confirmed", "suggested", "unmatched"]
    # The teacher's choice when confirmed, else the matcher's suggestion, else null.
    student_id: UUID | None
    suggested_student_id: UUID | None
    confidence: float | None = Field(description="The suggestion's confidence, 0 to 1.")
    evidence: str | None = Field(
        description="Where the suggested name was found: author_hint, filename, opening_lines."
    )
    confirmed_at: AwareDatetime | None


class BatchAssociations(BaseModel):
    batch_id: UUID
    class_id: UUID | None
    essays: list[EssayAssociationOut]


class ErasureEssay(BaseModel):
    batch_id: UUID
    essay_id: UUID
    filename: str


class StudentErasurePreview(BaseModel):
    """``GET /v1/students/{id}/erasure``: what erasing the student would remove, and the token that confirms it.

    The student record, and the texts and results of every essay confirmed as theirs, in every batch.
    """

    student_id: UUID
    first_name: str
    last_name: str
    essays: list[ErasureEssay]
    confirmation_token: str = Field(description="Send it back to POST .../erasure to erase exactly this.")
    expires_at: AwareDatetime


class StudentRecord(BaseModel):
    """``GET /internal/v1/students/{id}/record`` (BFF): what CMS holds about one of the caller's students, for
    the student data export (``common_core.http.access``): the student, their classes, and every essay
    confirmed as theirs. Recorded in CMS's access log (an export when ``X-Access-Purpose: export``)."""

    student: StudentOut
    classes: list[ClassRef]
    essays: list[ErasureEssay]


class StudentErasureRequest(_Strict):
    """``POST /v1/students/{id}/erasure``: the token of a preview; a stale one (the essays changed) is a 409."""

    confirmation_token: NonEmptyStr = Field(max_length=500)


class AccountDeletionRequest(_Strict):
    """``DELETE /v1/account`` (through the gateway): the teacher's password, typed again."""

    password: NonEmptyStr = Field(max_length=1024)


class SharedAssignmentRef(BaseModel):
    assignment_id: UUID
    title: str


class SharedAssignmentList(BaseModel):
    """CJ's ``GET /internal/v1/users/{user_id}/shared-assignments``: assignments the user owns and shares;
    an account with any of them is not deleted until they are handed over or no longer shared."""

    items: list[SharedAssignmentRef]


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    VerifyCredentialsRequest,
    AccountLookupRequest,
    AccountLookupResponse,
    ChangePasswordRequest,
    UserProfile,
    ClassRef,
    BatchClassInfo,
    BatchClassInfoResponse,
    EssayStudentName,
    BatchStudentNamesResponse,
    BatchUnconfirmedMatches,
    UnconfirmedMatchesPage,
    ClassCreate,
    ClassUpdate,
    StudentCreate,
    StudentUpdate,
    StudentOut,
    StudentList,
    ClassOut,
    ClassList,
    ClassDetail,
    ConfirmAssociations,
    BatchAssociations,
    ErasureEssay,
    StudentRecord,
    StudentErasurePreview,
    StudentErasureRequest,
    AccountDeletionRequest,
    SharedAssignmentRef,
    SharedAssignmentList,
)
