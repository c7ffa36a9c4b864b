"""Offers of places after a round's final list, and the waiting list behind them.

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

TABLES = ('offers',)


revision = 'core_0005'
down_revision = 'core_0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offers',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=False),
    sa.Column('program_application_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('sub_quota', sa.String(length=60), nullable=True),
    sa.Column('allocation_round', sa.BigInteger(), nullable=False),
    sa.Column('replaces_offer_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'program_application_id'], ['program_applications.tenant_id', 'program_applications.id'], name=op.f('fk_offers_tenant_id_program_application_id_program_applications')),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['program_rounds.tenant_id', 'program_rounds.id'], name=op.f('fk_offers_tenant_id_round_id_program_rounds')),
    sa.ForeignKeyConstraint(['tenant_id', 'run_id'], ['ranking_runs.tenant_id', 'ranking_runs.id'], name=op.f('fk_offers_tenant_id_run_id_ranking_runs')),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_offers_tenant_id_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_offers_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_offers')),
    sa.UniqueConstraint('tenant_id', 'round_id', 'program_application_id', name=op.f('uq_offers_tenant_id_round_id_program_application_id'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_user', ['tenant_id', 'user_id'], unique=False)

    for table in TABLES:
        tenant_table_created(table)


def downgrade() -> None:
    for table in TABLES:
        tenant_table_dropping(table)
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_user')

    op.drop_table('offers')
