"""Points registration: profiles, family, applications, items, evidence, review, rule versions, ledger, messages.

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

TABLES = ('rule_versions', 'applicant_profiles', 'applications', 'family_members', 'messages', 'declared_items', 'status_events', 'evidence_files', 'item_reviews', 'ledger_entries')


revision = 'core_0002'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rule_versions',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_rule_versions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'version', name=op.f('pk_rule_versions'))
    )
    op.create_table('applicant_profiles',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('has_residence_permit', sa.Boolean(), nullable=False),
    sa.Column('permit_number', sa.String(length=40), nullable=True),
    sa.Column('works_in_county_since', sa.Date(), nullable=True),
    sa.Column('employer', sa.String(length=100), nullable=True),
    sa.Column('town', sa.String(length=40), nullable=True),
    sa.Column('criminal_penalty', sa.Boolean(), nullable=False),
    sa.Column('births_over_quota', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_applicant_profiles_tenant_id_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_applicant_profiles_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'user_id', name=op.f('pk_applicant_profiles'))
    )
    op.create_table('applications',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('total_points', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('rule_version', sa.BigInteger(), nullable=True),
    sa.Column('recheck_until', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_applications_tenant_id_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_applications_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_applications')),
    sa.UniqueConstraint('tenant_id', 'user_id', name=op.f('uq_applications_tenant_id_user_id'))
    )
    op.create_table('family_members',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('relation', sa.String(length=10), nullable=False),
    sa.Column('real_name', sa.String(length=50), nullable=False),
    sa.Column('id_number_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('criminal_record', sa.Boolean(), nullable=False),
    sa.Column('linked_user_id', sa.BigInteger(), nullable=True),
    sa.Column('link_confirmed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'linked_user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_family_members_tenant_id_linked_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_family_members_tenant_id_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_family_members_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_family_members'))
    )
    with op.batch_alter_table('family_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_members_user_id'), ['user_id'], unique=False)

    op.create_table('messages',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_messages_tenant_id_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_messages_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_user_id'), ['user_id'], unique=False)

    op.create_table('declared_items',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('item_type', sa.String(length=60), nullable=False),
    sa.Column('input', sa.JSON(), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'application_id'], ['applications.tenant_id', 'applications.id'], name=op.f('fk_declared_items_tenant_id_application_id_applications')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_declared_items_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_declared_items'))
    )
    with op.batch_alter_table('declared_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declared_items_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_declared_items_queue', ['tenant_id', 'department', 'status', 'due_on'], unique=False)

    op.create_table('status_events',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'application_id'], ['applications.tenant_id', 'applications.id'], name=op.f('fk_status_events_tenant_id_application_id_applications')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_status_events_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_status_events'))
    )
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_events_application_id'), ['application_id'], unique=False)

    op.create_table('evidence_files',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_name', sa.String(length=80), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'item_id'], ['declared_items.tenant_id', 'declared_items.id'], name=op.f('fk_evidence_files_tenant_id_item_id_declared_items')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_evidence_files_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_evidence_files'))
    )
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_item_id'), ['item_id'], unique=False)

    op.create_table('item_reviews',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('decision', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'item_id'], ['declared_items.tenant_id', 'declared_items.id'], name=op.f('fk_item_reviews_tenant_id_item_id_declared_items')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_item_reviews_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_item_reviews'))
    )
    with op.batch_alter_table('item_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_reviews_item_id'), ['item_id'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('application_id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('item_type', sa.String(length=60), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('rule_version', sa.BigInteger(), nullable=False),
    sa.Column('points', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('raw_points', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'application_id'], ['applications.tenant_id', 'applications.id'], name=op.f('fk_ledger_entries_tenant_id_application_id_applications')),
    sa.ForeignKeyConstraint(['tenant_id', 'item_id'], ['declared_items.tenant_id', 'declared_items.id'], name=op.f('fk_ledger_entries_tenant_id_item_id_declared_items')),
    sa.ForeignKeyConstraint(['tenant_id', 'rule_version'], ['rule_versions.tenant_id', 'rule_versions.version'], name=op.f('fk_ledger_entries_tenant_id_rule_version_rule_versions')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ledger_entries_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('tenant_id', 'application_id', 'item_id', 'rule_version', name=op.f('uq_ledger_entries_tenant_id_application_id_item_id_rule_version'))
    )
    for table in TABLES:
        tenant_table_created(table)


def downgrade() -> None:
    for table in TABLES:
        tenant_table_dropping(table)
    op.drop_table('ledger_entries')
    with op.batch_alter_table('item_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_reviews_item_id'))

    op.drop_table('item_reviews')
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_files_item_id'))

    op.drop_table('evidence_files')
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_events_application_id'))

    op.drop_table('status_events')
    with op.batch_alter_table('declared_items', schema=None) as batch_op:
        batch_op.drop_index('ix_declared_items_queue')
        batch_op.drop_index(batch_op.f('ix_declared_items_application_id'))

    op.drop_table('declared_items')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_user_id'))

    op.drop_table('messages')
    with op.batch_alter_table('family_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_members_user_id'))

    op.drop_table('family_members')
    op.drop_table('applications')
    op.drop_table('applicant_profiles')
    op.drop_table('rule_versions')
