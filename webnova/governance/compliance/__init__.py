"""Compliance packs (PCI-DSS, HIPAA, GDPR) evaluated on blueprints, project trees and deploys."""
