"""Course use cases: authoring, enrolment, progress, certificates, import and export.

Every function that changes data owns its transaction: it commits on success and leaves the
database as it was on a refusal (:class:`CourseError`). The modules, by use case:

- :mod:`.lookup`: finding courses, the catalogue, where a student does an item;
- :mod:`.authoring`: courses, instructors, modules and items, publishing, deleting;
- :mod:`.students`: where a student stands, enrolling, leaving, progress and completion;
- :mod:`.certificates`: issuing and finding certificates;
- :mod:`.import_export`: courses in and out as archives of the folder format;
- :mod:`.hooks`: the demo course, the home page's panel, account export and erasure;
- :mod:`._common`: the refusal and the checks and locks the others share.

Callers use the names below: ``from courses import services; services.enrol(...)``.
"""

from courses.services._common import (
    MAX_BODY_BYTES,
    MAX_SUMMARY_LENGTH,
    MAX_TITLE_LENGTH,
    RESERVED_SLUGS,
    CourseError,
    clean_text,
    clean_title,
    course_slug_problem,
)
from courses.services.authoring import (
    add_instructor,
    copy_item,
    create_course,
    create_item,
    create_module,
    delete_course,
    delete_item,
    delete_module,
    move_item,
    move_module,
    remove_instructor,
    set_published,
    update_course,
    update_item,
    update_module,
)
from courses.services.certificates import certificate_for, find_certificate, my_certificates
from courses.services.hooks import DEMO_DIR, erase_user, export_user, home_panel, seed_demo
from courses.services.import_export import (
    BUNDLE_MESSAGES,
    DuplicateCourse,
    ImportResult,
    bundle_messages,
    export_data,
    export_zip,
    import_course,
    import_folder_or_zip,
    problem_message,
    read_upload,
)
from courses.services.lookup import (
    CATALOGUE_PAGE_SIZE,
    EDITOR_COURSES_PER_PAGE,
    catalogue,
    course_by_slug,
    courses_for_editor,
    item_counts,
    item_url,
)
from courses.services.students import (
    Standing,
    complete_item,
    done_item_ids,
    enrol,
    enrolled_count,
    enrolment_for,
    leave,
    mark_done,
    mark_not_done,
    my_enrolments,
    neighbours,
    outline,
    progress_by_course,
    record_visit,
    standing,
)

__all__ = [
    "BUNDLE_MESSAGES",
    "CATALOGUE_PAGE_SIZE",
    "DEMO_DIR",
    "EDITOR_COURSES_PER_PAGE",
    "MAX_BODY_BYTES",
    "MAX_SUMMARY_LENGTH",
    "MAX_TITLE_LENGTH",
    "RESERVED_SLUGS",
    "CourseError",
    "DuplicateCourse",
    "ImportResult",
    "Standing",
    "add_instructor",
    "bundle_messages",
    "catalogue",
    "certificate_for",
    "clean_text",
    "clean_title",
    "complete_item",
    "copy_item",
    "course_by_slug",
    "course_slug_problem",
    "courses_for_editor",
    "create_course",
    "create_item",
    "create_module",
    "delete_course",
    "delete_item",
    "delete_module",
    "done_item_ids",
    "enrol",
    "enrolled_count",
    "enrolment_for",
    "erase_user",
    "export_data",
    "export_user",
    "export_zip",
    "find_certificate",
    "home_panel",
    "import_course",
    "import_folder_or_zip",
    "item_counts",
    "item_url",
    "leave",
    "mark_done",
    "mark_not_done",
    "move_item",
    "move_module",
    "my_certificates",
    "my_enrolments",
    "neighbours",
    "outline",
    "problem_message",
    "progress_by_course",
    "read_upload",
    "record_visit",
    "remove_instructor",
    "seed_demo",
    "set_published",
    "standing",
    "update_course",
    "update_item",
    "update_module",
]
