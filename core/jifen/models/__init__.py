"""The core's tables. Plugins that own tables declare them in their own package, prefixed with their name."""

from jifen.models.api_token import ApiToken
from jifen.models.applicant import ApplicantProfile, FamilyMember
from jifen.models.application import Application, DeclaredItem, EvidenceFile, ItemReview, StatusEvent
from jifen.models.audit import AuditEvent
from jifen.models.complaint import Complaint, MobileCode
from jifen.models.delivery import Delivery
from jifen.models.fraud import FraudFinding
from jifen.models.jobs import Job
from jifen.models.message import Message
from jifen.models.offers import Offer
from jifen.models.plugin_state import PluginEnablement
from jifen.models.points import LedgerEntry, RuleVersion
from jifen.models.publication import Objection, Publication
from jifen.models.programs import ProgramApplication, ProgramRound, RankingInput, RankingResult, RankingRun
from jifen.models.programs import ProgramTieBreaks
from jifen.models.references import ReferenceCounter
from jifen.models.stored_file import StoredFile
from jifen.models.survey import Survey, SurveyParticipant, SurveyQuestion, SurveyResponse
from jifen.models.tenant import PlatformRevision, Tenant, TenantHost
from jifen.models.user import PlatformAdmin, User, UserDepartment

__all__ = [
    "ApiToken", "ApplicantProfile", "Application", "AuditEvent", "DeclaredItem", "Delivery", "EvidenceFile", "FamilyMember", "FraudFinding", "ItemReview", "Job",
    "LedgerEntry", "Message", "Objection", "Offer", "PluginEnablement", "PlatformAdmin", "ProgramApplication", "ProgramRound", "ProgramTieBreaks",
    "Publication", "RankingInput", "RankingResult", "RankingRun", "ReferenceCounter", "RuleVersion", "StatusEvent", "StoredFile", "PlatformRevision", "Tenant", "TenantHost", "User",
    "UserDepartment", "Survey", "SurveyParticipant", "SurveyQuestion", "SurveyResponse",
    "Complaint", "MobileCode",
]
