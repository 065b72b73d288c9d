"""The offline brain's entity catalogue: words that name a record, its fields and its links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from webnova.adapters.brains.lexicon import Terms


@dataclass(frozen=True)
class EntitySpec:
    """A kind of record the offline brain knows how to model."""

    name: str
    ar: str
    terms: Terms
    fields: tuple[dict[str, Any], ...]
    belongs_to: tuple[str, ...] = ()


def _f(name: str, type_: str = "string", **flags: Any) -> dict[str, Any]:
    # Health data is encrypted at rest unless a spec says otherwise (HIPAA 164.312(a)(2)(iv)).
    if flags.get("phi") and "encrypted" not in flags:
        flags["encrypted"] = True
    field: dict[str, Any] = {"name": name, "type": type_, **flags}
    if type_ in ("string", "email", "url") and "max_length" not in flags:
        field["max_length"] = 254 if type_ == "email" else 200
    return field


_PERSON = (_f("full_name", required=True, pii=True), _f("email", "email", pii=True),
           _f("phone", pii=True))

ENTITIES: Final[tuple[EntitySpec, ...]] = (
    EntitySpec("Patient", "مريض", Terms(("patient",), ("مريض", "مرضي")), (
        _f("full_name", required=True, pii=True, phi=True), _f("email", "email", pii=True),
        _f("phone", pii=True, encrypted=True),
        _f("date_of_birth", "date", pii=True, phi=True, encrypted=True),
        _f("medical_notes", "text", phi=True, encrypted=True))),
    EntitySpec("Doctor", "طبيب", Terms(("doctor", "physician", "dentist"),
                                        ("طبيب", "اطباء", "دكتور")), (
        _f("full_name", required=True), _f("specialty", required=True))),
    EntitySpec("Appointment", "موعد", Terms(("appointment", "booking", "visit"),
                                             ("موعد", "مواعيد", "حجز", "حجوزات", "زياره")), (
        _f("starts_at", "datetime", required=True), _f("duration_minutes", "integer"),
        _f("status", "enum", required=True,
           enum_values=["booked", "confirmed", "cancelled", "completed"]),
        _f("notes", "text")), ("Patient", "Doctor", "Customer", "Room", "Service")),
    EntitySpec("Prescription", "وصفة", Terms(("prescription",), ("وصفه", "وصفات")), (
        _f("medication", required=True, phi=True, encrypted=True),
        _f("dosage", phi=True, encrypted=True)), ("Patient", "Doctor")),
    EntitySpec("Product", "منتج", Terms(("product",), ("منتج", "منتجات", "سلع")), (
        _f("name", required=True), _f("description", "text"),
        _f("price", "decimal", required=True), _f("stock", "integer"))),
    EntitySpec("Category", "تصنيف", Terms(("category", "categories"),
                                          ("تصنيف", "فئات", "اقسام")), (
        _f("name", required=True),)),
    EntitySpec("Customer", "عميل", Terms(("customer", "client", "buyer", "shopper"),
                                          ("عميل", "عملاء", "زبون", "زبائن", "مشتري")), _PERSON),
    EntitySpec("Order", "طلب", Terms(("order",), ("طلبات الشراء", "طلب شراء", "الطلبات")), (
        _f("ordered_at", "datetime", required=True), _f("total", "decimal", required=True),
        _f("status", "enum", required=True,
           enum_values=["pending", "paid", "shipped", "delivered", "cancelled"])),
        ("Customer",)),
    EntitySpec("Course", "دورة", Terms(("course", "class"), ("دوره", "دورات", "مقرر", "مقررات")), (
        _f("title", required=True), _f("description", "text"), _f("starts_on", "date")),
        ("Teacher",)),
    EntitySpec("Student", "طالب", Terms(("student", "learner", "pupil"),
                                         ("طالب", "طلاب", "متعلم", "تلاميذ", "تلميذ")), (
        *_PERSON, _f("enrolled_on", "date"))),
    EntitySpec("Teacher", "معلم", Terms(("teacher", "instructor", "tutor"),
                                         ("معلم", "مدرس", "مدرب", "استاذ")), (
        _f("full_name", required=True, pii=True), _f("email", "email", pii=True),
        _f("subject"))),
    EntitySpec("Lesson", "درس", Terms(("lesson", "lecture"),
                                       ("درس", "دروس", "محاضره", "محاضرات")), (
        _f("title", required=True), _f("content", "text"), _f("position", "integer")),
        ("Course",)),
    EntitySpec("Enrollment", "تسجيل", Terms(("enrollment", "enrolment", "enroll"),
                                             ("التحاق", "تسجيل في الدورات")), (
        _f("enrolled_at", "datetime", required=True), _f("grade")), ("Student", "Course")),
    EntitySpec("Post", "مقال", Terms(("post", "article"), ("مقال", "مقالات", "تدوينه")), (
        _f("title", required=True), _f("body", "text", required=True),
        _f("published_at", "datetime")), ("Author", "Category")),
    EntitySpec("Author", "كاتب", Terms(("author", "writer"), ("كاتب", "كتاب", "مؤلف")), (
        _f("full_name", required=True), _f("bio", "text"))),
    EntitySpec("Comment", "تعليق", Terms(("comment",), ("تعليق", "تعليقات")), (
        _f("body", "text", required=True),), ("Post",)),
    EntitySpec("Employee", "موظف", Terms(("employee", "staff member", "worker"),
                                          ("موظف", "موظفين", "عاملين")), (
        *_PERSON, _f("position"), _f("hired_on", "date"))),
    EntitySpec("Department", "قسم", Terms(("department",), ("اداره", "ادارات", "قسم ال")), (
        _f("name", required=True),)),
    EntitySpec("LeaveRequest", "طلب إجازة", Terms(
        ("leave request", "request leave", "annual leave", "sick leave", "vacation", "time off"),
        ("اجازه", "اجازات")), (
        _f("starts_on", "date", required=True), _f("ends_on", "date", required=True)),
        ("Employee",)),
    EntitySpec("Warehouse", "مستودع", Terms(("warehouse",), ("مستودع", "مستودعات", "مخازن")), (
        _f("name", required=True), _f("city"))),
    EntitySpec("StockItem", "صنف", Terms(("inventory", "stock item", "stock"),
                                         ("مخزون", "اصناف", "صنف")), (
        _f("sku", required=True), _f("quantity", "integer", required=True)), ("Warehouse",)),
    EntitySpec("Supplier", "مورد", Terms(("supplier", "vendor"), ("مورد", "موردين")), (
        _f("name", required=True), _f("email", "email"))),
    EntitySpec("Account", "حساب", Terms(("bank account", "account balance", "savings account"),
                                         ("حساب بنكي", "حسابات بنكيه", "حساب مصرفي")), (
        _f("number", required=True, pii=True, encrypted=True),
        _f("balance", "decimal", required=True))),
    EntitySpec("Transaction", "معاملة", Terms(("transaction", "transfer", "expense"),
                                              ("معامله", "معاملات", "تحويل", "مصاريف")), (
        _f("amount", "decimal", required=True), _f("occurred_at", "datetime", required=True),
        _f("description")), ("Account",)),
    EntitySpec("Loan", "قرض", Terms(("loan",), ("قرض", "قروض", "تمويل شخصي")), (
        _f("amount", "decimal", required=True), _f("interest_rate", "decimal"),
        _f("status", "enum", required=True, enum_values=["requested", "approved", "rejected"])),
        ("Customer",)),
    EntitySpec("Invoice", "فاتورة", Terms(("invoice", "bill"), ("فاتوره", "فواتير")), (
        _f("number", required=True), _f("amount", "decimal", required=True),
        _f("due_on", "date")), ("Customer",)),
    EntitySpec("Citizen", "مواطن", Terms(("citizen", "resident"), ("مواطن", "مقيم", "سكان")), (
        _f("full_name", required=True, pii=True), _f("national_id", pii=True, encrypted=True),
        _f("email", "email", pii=True))),
    EntitySpec("ServiceRequest", "طلب خدمة", Terms(("permit", "application", "service request",
                                                     "complaint", "licence", "license"),
                                                    ("تصريح", "تصاريح", "شكوي", "شكاوي",
                                                     "رخصه", "رخص", "طلبات الخدمه")), (
        _f("kind", required=True), _f("submitted_at", "datetime", required=True),
        _f("status", "enum", required=True,
           enum_values=["submitted", "in_review", "approved", "rejected"])), ("Citizen",)),
    EntitySpec("Event", "فعالية", Terms(("event", "conference", "concert", "workshop"),
                                         ("فعاليه", "فعاليات", "مؤتمر", "ورشه", "حفل")), (
        _f("title", required=True), _f("starts_at", "datetime", required=True), _f("venue"))),
    EntitySpec("Ticket", "تذكرة", Terms(("ticket",), ("تذكره", "تذاكر")), (
        _f("seat"), _f("price", "decimal")), ("Event", "Customer")),
    EntitySpec("Room", "غرفة", Terms(("room", "hotel"), ("غرفه", "غرف", "فندق")), (
        _f("number", required=True), _f("nightly_rate", "decimal"))),
    EntitySpec("Property", "عقار", Terms(("property", "real estate", "apartment", "listing"),
                                          ("عقار", "عقارات", "شقه", "شقق")), (
        _f("title", required=True), _f("price", "decimal"), _f("city"))),
    EntitySpec("Project", "مشروع", Terms(("project",), ("مشروع", "مشاريع")), (
        _f("name", required=True), _f("due_on", "date"))),
    EntitySpec("Task", "مهمة", Terms(("task", "todo", "to-do"), ("مهمه", "مهام")), (
        _f("title", required=True), _f("done", "boolean")), ("Project", "Employee")),
    EntitySpec("MenuItem", "طبق", Terms(("menu", "dish", "meal"),
                                         ("قائمه طعام", "طبق", "اطباق", "وجبه", "وجبات")), (
        _f("name", required=True), _f("price", "decimal", required=True))),
    EntitySpec("Donation", "تبرع", Terms(("donation", "donor"), ("تبرع", "تبرعات", "متبرع")), (
        _f("amount", "decimal", required=True), _f("donor_name", pii=True))),
    EntitySpec("Vehicle", "مركبة", Terms(("vehicle", "car rental", "fleet"),
                                          ("مركبه", "مركبات", "سيارات", "سياره")), (
        _f("plate", required=True), _f("model"))),
    EntitySpec("Metric", "مؤشر", Terms(("metric", "kpi"), ("مؤشر", "مؤشرات")), (
        _f("name", required=True), _f("value", "decimal", required=True),
        _f("measured_at", "datetime"))),
    EntitySpec("Report", "تقرير", Terms(("report",), ("تقرير", "تقارير")), (
        _f("title", required=True), _f("period"))),
    EntitySpec("Member", "عضو", Terms(("gym member", "membership", "club member"),
                                       ("عضويه", "اعضاء النادي", "مشترك")), (
        _f("full_name", required=True, pii=True), _f("email", "email", pii=True),
        _f("joined_on", "date"))),
)

BY_NAME: Final = {spec.name: spec for spec in ENTITIES}
