"""Vocabulary of the offline brain: words (English and Arabic stems) and what they imply.

English words match whole words (a trailing plural `s`/`es` is allowed); Arabic words match as
substrings of the normalised text, because Arabic attaches articles and prepositions to the word
(`للمرضى`, `والأطباء`). Arabic entries are therefore stems, written without diacritics and with
plain alef, `ه` for `ة` and `ي` for `ى` (see `normalize_arabic`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from webnova.generator.blueprint import Domain, PaymentProvider, TemplateId


@dataclass(frozen=True)
class Terms:
    """English words and Arabic stems that signal one thing."""

    en: tuple[str, ...]
    ar: tuple[str, ...] = ()


# Order matters: on a tie the earlier template wins, so specific ones come first.
TEMPLATES: Final[dict[TemplateId, Terms]] = {
    "landing-page": Terms(("landing page", "launch page", "coming soon", "waitlist",
                           "marketing page", "one-page", "single page site"),
                          ("صفحه هبوط", "صفحه تعريفيه", "صفحه اطلاق", "قائمه انتظار",
                           "صفحه واحده")),
    "static-site": Terms(("portfolio", "static site", "static website", "brochure",
                          "personal website", "resume site", "cv site"),
                         ("معرض اعمال", "موقع ثابت", "موقع شخصي", "سيره ذاتيه", "موقع تعريفي")),
    "api-only": Terms(("rest api", "api only", "api-only", "headless", "backend only",
                       "backend service", "json api", "microservice", "webhook"),
                      ("واجهه برمجيه", "واجهه برمجه", "خدمه خلفيه", "خادم فقط")),
    "mobile-pwa": Terms(("mobile app", "pwa", "progressive web app", "phone app", "offline-first",
                         "installable app"),
                        ("تطبيق جوال", "تطبيق للجوال", "تطبيق هاتف", "تطبيق للهاتف",
                         "تطبيق موبايل", "تطبيق محمول")),
    "ecommerce": Terms(("online shop", "online store", "e-commerce", "ecommerce", "webshop",
                        "shopping cart", "checkout", "storefront", "marketplace", "sell"),
                       ("متجر", "تسوق", "سله", "بيع ", "نبيع", "يبيع", "سوق الكتروني")),
    "blog-cms": Terms(("blog", "cms", "content management", "magazine", "news site",
                       "articles", "publishing", "newsletter"),
                      ("مدونه", "مقالات", "مجله", "اخبار", "محتوي", "نشر المقالات")),
    "dashboard": Terms(("dashboard", "analytics", "kpi", "metrics", "reporting", "charts",
                        "monitoring"),
                       ("لوحه تحكم", "لوحه معلومات", "لوحه مؤشرات", "تحليلات", "مؤشرات",
                        "رسوم بيانيه")),
    "saas-starter": Terms(("saas", "subscription", "subscriptions", "multi-tenant", "booking",
                           "appointment", "reservation", "tenants", "plans"),
                          ("اشتراك", "حجز", "مواعيد", "موعد", "متعدد المستاجرين", "خطط اسعار")),
}

DOMAINS: Final[dict[Domain, Terms]] = {
    "healthcare": Terms(("clinic", "hospital", "patient", "doctor", "medical", "health",
                         "healthcare", "pharmacy", "dental", "dentist", "nurse", "telemedicine",
                         "prescription", "lab results"),
                        ("عياده", "مستشفي", "مريض", "مرضي", "طبيب", "اطباء", "صحي", "طبي",
                         "صيدليه", "اسنان", "ممرض", "وصفه")),
    "financial": Terms(("bank", "banking", "loan", "fintech", "finance", "wallet", "accounting",
                        "investment", "insurance", "budgeting", "ledger", "credit union",
                        "lending", "expense"),
                       ("بنك", "مصرف", "قرض", "قروض", "تمويل", "محفظه", "محاسبه", "استثمار",
                        "تامين", "ميزانيه", "مصاريف", "مالي")),
    "government": Terms(("government", "ministry", "municipality", "citizen", "permit",
                         "public service", "e-government", "council", "licence", "license"),
                        ("حكومي", "حكوميه", "وزاره", "بلديه", "مواطن", "تصريح", "تصاريح",
                         "رخص", "رخصه", "خدمات عامه")),
    "education": Terms(("school", "university", "course", "student", "teacher", "learning",
                        "lms", "classroom", "e-learning", "tutoring", "training", "lesson",
                        "academy"),
                       ("مدرسه", "جامعه", "دوره", "دورات", "طالب", "طلاب", "معلم", "مدرس",
                        "تعليم", "تعلم", "فصل دراسي", "دروس", "اكاديميه")),
    "commerce": Terms(("shop", "store", "e-commerce", "ecommerce", "product", "cart", "retail",
                       "marketplace", "restaurant", "menu", "delivery", "sell", "seller"),
                      ("متجر", "منتج", "منتجات", "سله", "تسوق", "مطعم", "قائمه طعام", "توصيل",
                       "بيع ", "مبيعات", "نبيع")),
    "enterprise": Terms(("inventory", "warehouse", "employee", "hr", "crm", "erp", "internal",
                         "staff", "company", "procurement", "supplier", "team", "operations",
                         "saas", "b2b", "stock"),
                        ("مخزون", "مستودع", "موظف", "موارد بشريه", "شركه", "مشتريات", "مورد",
                         "فريق", "عمليات", "داخلي", "مخازن")),
}

# Which words mark a feature, and which words name a payment method.
FEATURES: Final[dict[str, Terms]] = {
    "auth": Terms(("login", "log in", "sign in", "sign-in", "sign up", "signup", "account",
                   "accounts", "user", "users", "members", "register", "registration", "profile",
                   "password"),
                  ("تسجيل الدخول", "تسجيل دخول", "حساب", "حسابات", "مستخدم", "اعضاء", "عضويه",
                   "ملف شخصي", "كلمه مرور", "التسجيل")),
    "search": Terms(("search", "filter", "find", "lookup"),
                    ("بحث", "البحث", "تصفيه", "فلتره")),
    "maps": Terms(("map", "maps", "location", "locations", "gps", "nearby", "directions",
                   "geolocation"),
                  ("خريطه", "خرائط", "الموقع الجغرافي", "قريب", "اتجاهات", "مواقع الفروع")),
    "media": Terms(("upload", "uploads", "photo", "photos", "image", "images", "video", "videos",
                    "gallery", "files", "attachments", "documents"),
                   ("صور", "صوره", "رفع", "فيديو", "معرض صور", "مرفقات", "ملفات", "مستندات")),
    "notifications": Terms(("notify", "notification", "notifications", "reminder", "reminders",
                            "email alerts", "sms", "push", "alerts"),
                           ("اشعار", "اشعارات", "تنبيه", "تنبيهات", "تذكير", "رسائل نصيه",
                            "رساله")),
    "payments": Terms(("pay", "payment", "payments", "checkout", "billing", "credit card",
                       "card payments", "invoice", "donation", "donations", "paid"),
                      ("دفع", "الدفع", "مدفوعات", "سداد", "فواتير", "فاتوره", "بطاقه", "تبرع",
                       "تبرعات")),
}

PAYMENT_PROVIDERS: Final[dict[PaymentProvider, Terms]] = {
    "stripe": Terms(("stripe",), ("سترايب",)),
    "paypal": Terms(("paypal",), ("باي بال", "بايبال")),
    "mada": Terms(("mada",), ("مدي",)),
    "apple_pay": Terms(("apple pay",), ("ابل باي", "آبل باي")),
    "stc_pay": Terms(("stc pay", "stcpay"), ("اس تي سي باي",)),
}
CARD_WORDS: Final = Terms(("credit card", "card", "cards", "debit card", "visa", "mastercard"),
                          ("بطاقه", "بطاقات", "فيزا", "ماستركارد", "بطاقات ائتمان"))
EU_WORDS: Final = Terms(("gdpr", "eu", "europe", "european", "germany", "france", "spain",
                         "italy", "netherlands", "ireland", "berlin", "paris"),
                        ("اوروبا", "الاتحاد الاوروبي", "اوروبي", "المانيا", "فرنسا"))
HIPAA_WORDS: Final = Terms(("hipaa", "phi", "health records", "medical records"),
                           ("سجلات طبيه", "ملفات طبيه", "السجلات الصحيه"))
PCI_WORDS: Final = Terms(("pci", "pci-dss", "card data"), ())
# Many organisations on one platform, each seeing only its own data. English cues are read by
# `offline._tenancy_cue` (phrases with a kind of organisation); these are the fixed ones.
TENANT_WORDS: Final = Terms(("multi-tenant", "multitenant", "multi tenant", "multi-tenancy",
                             "white-label", "white label", "tenant isolation"),
                            ("متعدد المستاجرين", "متعدده المستاجرين", "لكل مدرسه", "لكل عياده",
                             "لكل شركه", "لكل منظمه", "لكل موسسه", "لكل منشاه", "لكل متجر",
                             "عده مدارس", "عده عيادات", "عده شركات", "عده منظمات", "عده متاجر",
                             "مدارس متعدده", "عيادات متعدده", "شركات متعدده",
                             "بيانات منفصله", "بياناتها الخاصه"))
DEPLOY_WORDS: Final[dict[str, Terms]] = {
    "vercel": Terms(("vercel",)), "netlify": Terms(("netlify",)),
    "railway": Terms(("railway",)), "render": Terms(("render.com", "on render")),
    "fly": Terms(("fly.io",)), "hetzner": Terms(("hetzner",)),
}

# Phrases that try to steer the agents rather than describe a platform.
INJECTION: Final = Terms(
    ("ignore previous", "ignore all", "ignore the above", "ignore your", "disregard",
     "skip approval", "skip the approval", "skip approvals", "without approval", "bypass",
     "auto-approve", "approve automatically", "system prompt", "developer mode", "jailbreak",
     "your api key", "the api key", "secrets", "secret key", "password of", "env var",
     "environment variable", ".env", "private key", "you are now", "leak", "exfiltrate",
     "reveal your",     "print your instructions", "rm -rf", "deploy immediately", "no approval"),
    ("تجاهل", "تخطي الموافقه", "بدون موافقه", "دون موافقه", "تجاوز الموافق", "المفاتيح السريه",
     "مفتاح api", "كلمات المرور الخاصه", "اكشف", "سرب", "تعليمات النظام", "انشر فورا",
     "متغيرات البيئه"),
)
