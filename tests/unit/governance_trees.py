"""Small generated-project trees for the compliance code checks: a TypeScript Express + Drizzle
project and a FastAPI + SQLAlchemy one, both compliant with every control for `compliant_blueprint`.
Tests break one thing at a time with `edit(...)` and expect exactly that control to fail."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from webnova.generator.blueprint import Blueprint
from webnova.governance.compliance.engine import ComplianceReport

ROOT = Path(__file__).resolve().parents[2]


def clinic_data() -> dict[str, Any]:
    """The shipped clinic example as a dict (it has one unencrypted PHI field: full_name)."""
    text = (ROOT / "blueprints" / "examples" / "clinic-booking.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def compliant_data(*, backend: str = "express") -> dict[str, Any]:
    """The clinic, fixed for every pack: PHI encrypted, consent field, Stripe payments."""
    data = copy.deepcopy(clinic_data())
    patient = data["entities"][0]
    patient["fields"][0]["encrypted"] = True
    patient["fields"].append({"name": "consent_given_at", "type": "datetime"})
    data["features"]["payments"] = ["stripe"]
    data["compliance"] = ["pci-dss", "hipaa", "gdpr"]
    if backend == "fastapi":
        data["stack"].update(backend="fastapi", language="python")
    return data


def compliant_blueprint(*, backend: str = "express") -> Blueprint:
    return Blueprint.model_validate(compliant_data(backend=backend))


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    """Replace `old` (which must be there) by `new` in one file of a tree."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")

def code_statuses(report: ComplianceReport) -> dict[str, str]:
    """Each control's status in the code stage."""
    return {r.id: s.status for r in report.results for s in r.stages if s.stage == "code"}


def failing_controls(report: ComplianceReport) -> set[str]:
    """The controls that fail in the code stage."""
    return {control for control, status in code_statuses(report).items() if status == "fail"}


def code_failures(report: ComplianceReport, control_id: str) -> list[str]:
    """The failed code findings of one control, as `message @ location`."""
    return [f"{f.message.en} @ {f.location}" for s in report.result(control_id).stages
            if s.stage == "code" for f in s.findings if not f.ok]



EXPRESS: dict[str, str] = {
    "package.json": json.dumps({
        "name": "clinic-booking", "private": True,
        "dependencies": {"express": "^4.21.0", "helmet": "^8.0.0", "pino-http": "^10.0.0",
                         "drizzle-orm": "^0.36.0", "pg": "^8.13.0", "jsonwebtoken": "^9.0.0",
                         "stripe": "^17.0.0"},
        "devDependencies": {"typescript": "^5.6.0"},
    }, indent=2),
    ".gitignore": "node_modules\ndist\n.env\n",
    ".env.example": "DATABASE_URL=postgres://user:password@localhost/clinic\nJWT_SECRET=\n",
    "render.yaml": "services:\n  - type: web\n    name: clinic-booking\n    region: frankfurt\n",
    "src/crypto.ts": """\
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
export function encrypt(value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  return iv.toString("hex") + cipher.update(value, "utf8", "hex") + cipher.final("hex");
}
export function decrypt(value: string): string {
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(value.slice(0, 24), "hex"));
  return decipher.update(value.slice(24), "hex", "utf8");
}
function key(): Buffer { return Buffer.from(process.env.DATA_KEY ?? "", "hex"); }
""",
    "src/db/encrypted.ts": """\
import { customType } from "drizzle-orm/pg-core";
import { encrypt, decrypt } from "../crypto";

// PHI columns: encrypted in the application before they reach the database.
export const encryptedText = customType<{ data: string; driverData: string }>({
  dataType() { return "text"; },
  toDriver(value: string): string { return encrypt(value); },
  fromDriver(value: string): string { return decrypt(value); },
});
""",
    "src/db/schema.ts": """\
import { pgTable, uuid, text, varchar, timestamp, integer } from "drizzle-orm/pg-core";
import { encryptedText } from "./encrypted";

export const patients = pgTable("patients", {
  id: uuid("id").primaryKey().defaultRandom(),
  fullName: encryptedText("full_name").notNull(),
  email: varchar("email", { length: 254 }).notNull().unique(),
  phone: encryptedText("phone"),
  dateOfBirth: encryptedText("date_of_birth"),
  medicalNotes: encryptedText("medical_notes"),
  consentGivenAt: timestamp("consent_given_at", { withTimezone: true }),
});

export const doctors = pgTable("doctors", {
  id: uuid("id").primaryKey().defaultRandom(),
  fullName: varchar("full_name", { length: 120 }).notNull(),
  specialty: text("specialty").notNull(),
});

export const appointments = pgTable("appointments", {
  id: uuid("id").primaryKey().defaultRandom(),
  startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
  durationMinutes: integer("duration_minutes").notNull(),
  status: text("status").notNull(),
  reason: encryptedText("reason"),
  patientId: uuid("patient_id").notNull().references(() => patients.id),
  doctorId: uuid("doctor_id").notNull().references(() => doctors.id),
});
""",
    "src/db/client.ts": """\
import { Pool } from "pg";
import { drizzle } from "drizzle-orm/node-postgres";

export const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  ssl: { rejectUnauthorized: true },
});
export const db = drizzle(pool);
""",
    "src/auth.ts": """\
import jwt from "jsonwebtoken";
import type { Request, Response, NextFunction } from "express";

const SESSION_TTL = "15m";

export function issueToken(userId: string): string {
  return jwt.sign({ sub: userId }, process.env.JWT_SECRET ?? "", { expiresIn: SESSION_TTL });
}

export function requireAuth(req: Request, res: Response, next: NextFunction): void {
  const header = req.headers.authorization ?? "";
  try {
    res.locals.user = jwt.verify(header.replace(/^Bearer /, ""), process.env.JWT_SECRET ?? "");
    next();
  } catch {
    res.status(401).json({ error: "unauthorized" });
  }
}
""",
    "src/audit.ts": """\
import type { Request, Response, NextFunction } from "express";
import { pool } from "./db/client";

export function auditAccess(entity: string) {
  return async (req: Request, res: Response, next: NextFunction) => {
    await pool.query("INSERT INTO access_log (who, entity, method, path) VALUES ($1, $2, $3, $4)",
      [res.locals.user?.sub, entity, req.method, req.path]);
    next();
  };
}
""",
    "src/server.ts": """\
import express from "express";
import helmet from "helmet";
import pinoHttp from "pino-http";
import { requireAuth } from "./auth";
import { patientsRouter } from "./routes/patients";
import { appointmentsRouter } from "./routes/appointments";
import { doctorsRouter } from "./routes/doctors";
import { privacyRouter } from "./routes/privacy";

const app = express();
app.use(helmet());
app.use(pinoHttp());
app.use(express.json());
app.get("/health", (_req, res) => { res.json({ ok: true }); });
app.use("/api/patients", requireAuth, patientsRouter);
app.use("/api/appointments", requireAuth, appointmentsRouter);
app.use("/api/doctors", doctorsRouter);
app.use("/api/privacy", requireAuth, privacyRouter);

export default app;
""",
    "src/routes/patients.ts": """\
import { Router } from "express";
import { eq } from "drizzle-orm";
import { db } from "../db/client";
import { patients } from "../db/schema";
import { auditAccess } from "../audit";

export const patientsRouter = Router();
patientsRouter.use(auditAccess("patient"));

patientsRouter.get("/", async (_req, res) => {
  const rows = await db.select({ id: patients.id, email: patients.email }).from(patients);
  res.json(rows);
});

patientsRouter.get("/:id", async (req, res) => {
  const [row] = await db.select().from(patients).where(eq(patients.id, req.params.id));
  res.json(row);
});

patientsRouter.delete("/:id", async (req, res) => {
  await db.delete(patients).where(eq(patients.id, req.params.id));
  res.status(204).end();
});
""",
    "src/routes/appointments.ts": """\
import { Router } from "express";
import { db } from "../db/client";
import { appointments } from "../db/schema";
import { auditAccess } from "../audit";

export const appointmentsRouter = Router();
appointmentsRouter.use(auditAccess("appointment"));

appointmentsRouter.get("/", async (_req, res) => {
  res.json(await db.select({ id: appointments.id, startsAt: appointments.startsAt,
    status: appointments.status }).from(appointments));
});

appointmentsRouter.post("/", async (req, res) => {
  const [row] = await db.insert(appointments).values(req.body).returning();
  res.status(201).json(row);
});
""",
    "src/routes/doctors.ts": """\
import { Router } from "express";
import { db } from "../db/client";
import { doctors } from "../db/schema";

export const doctorsRouter = Router();
doctorsRouter.get("/", async (_req, res) => { res.json(await db.select().from(doctors)); });
""",
    "src/routes/privacy.ts": """\
import { Router } from "express";
import { eq } from "drizzle-orm";
import { db } from "../db/client";
import { patients, appointments } from "../db/schema";
import { auditAccess } from "../audit";

// GDPR Art. 20 (export) and Art. 17 (erasure) for the signed-in patient.
export const privacyRouter = Router();
privacyRouter.use(auditAccess("privacy"));

privacyRouter.get("/me/export", async (_req, res) => {
  const id = res.locals.user.sub;
  res.json({
    patient: await db.select().from(patients).where(eq(patients.id, id)),
    appointments: await db.select().from(appointments).where(eq(appointments.patientId, id)),
  });
});

privacyRouter.delete("/me", async (_req, res) => {
  await db.delete(patients).where(eq(patients.id, res.locals.user.sub));
  res.status(204).end();
});
""",
}

FASTAPI: dict[str, str] = {
    "pyproject.toml": """\
[project]
name = "clinic-booking"
version = "1.0.0"
dependencies = ["fastapi>=0.115", "sqlalchemy>=2.0", "psycopg[binary]>=3.2", "pyjwt>=2.9",
                "stripe>=11", "cryptography>=43"]
""",
    ".gitignore": ".venv\n__pycache__\n.env\n",
    "fly.toml": 'app = "clinic-booking"\nprimary_region = "fra"\n',
    "app/__init__.py": "",
    "app/config.py": """\
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str = "postgresql+psycopg://clinic@db/clinic?sslmode=require"
    access_token_expire_minutes: int = 15
""",
    "app/crypto.py": """\
from cryptography.fernet import Fernet

_fernet = Fernet(Fernet.generate_key())


def encrypt(value: str) -> str:
    return _fernet.encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    return _fernet.decrypt(value.encode()).decode()
""",
    "app/models.py": """\
import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.crypto import decrypt, encrypt


class Base(DeclarativeBase):
    pass


class SealedText(TypeDecorator[str]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)


class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    full_name: Mapped[str] = mapped_column(SealedText)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(SealedText)
    date_of_birth: Mapped[str | None] = mapped_column(SealedText)
    medical_notes: Mapped[str | None] = mapped_column(SealedText)
    consent_given_at: Mapped[dt.datetime | None]


class Appointment(Base):
    __tablename__ = "appointments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    reason: Mapped[str | None] = mapped_column(SealedText)
""",
    "app/schemas.py": """\
from pydantic import BaseModel


class PatientSummary(BaseModel):
    id: str
    email: str
""",
    "app/auth.py": """\
import jwt
from fastapi import Header, HTTPException


def get_current_user(authorization: str = Header("")) -> dict:
    try:
        return jwt.decode(authorization.removeprefix("Bearer "), "k", algorithms=["HS256"])
    except jwt.PyJWTError as exc:
        raise HTTPException(status_code=401) from exc
""",
    "app/audit.py": """\
import logging

from fastapi import Request

audit_logger = logging.getLogger("phi-access")


def audit_access(request: Request) -> None:
    audit_logger.info("%s %s", request.method, request.url.path)
""",
    "app/routers/__init__.py": "",
    "app/routers/patients.py": """\
from fastapi import APIRouter, Depends
from sqlalchemy import select

from app.audit import audit_access
from app.db import get_db
from app.models import Patient
from app.schemas import PatientSummary

router = APIRouter(prefix="/patients", dependencies=[Depends(audit_access)])


@router.get("/", response_model=list[PatientSummary])
def list_patients(db=Depends(get_db)):
    return db.scalars(select(Patient)).all()


@router.delete("/{patient_id}", status_code=204)
def delete_patient(patient_id: str, db=Depends(get_db)) -> None:
    db.delete(db.get(Patient, patient_id))
""",
    "app/routers/privacy.py": """\
from fastapi import APIRouter, Depends

from app.audit import audit_access
from app.auth import get_current_user

router = APIRouter(prefix="/me", dependencies=[Depends(audit_access)])


@router.get("/export")
def export_my_data(user=Depends(get_current_user)) -> dict:
    return {"user": user}


@router.delete("")
def erase_me(user=Depends(get_current_user)) -> None:
    return None
""",
    "app/main.py": """\
import logging

from fastapi import Depends, FastAPI
from fastapi.middleware.httpsredirect import HTTPSRedirectMiddleware

from app.auth import get_current_user
from app.routers import patients, privacy

logger = logging.getLogger("access")
app = FastAPI()
app.add_middleware(HTTPSRedirectMiddleware)


@app.middleware("http")
async def log_requests(request, call_next):
    response = await call_next(request)
    logger.info("%s %s %s", request.method, request.url.path, response.status_code)
    return response


app.include_router(patients.router, prefix="/api", dependencies=[Depends(get_current_user)])
app.include_router(privacy.router, prefix="/api")
""",
}


def express_tree(root: Path) -> Path:
    return write_tree(root, EXPRESS)


def fastapi_tree(root: Path) -> Path:
    return write_tree(root, FASTAPI)
