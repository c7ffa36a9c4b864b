"""Service programs: rounds, applications to them, ranking runs with their inputs and results.

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

TABLES = ('program_rounds', 'program_applications', 'ranking_runs', 'ranking_inputs', 'ranking_results')


revision = 'core_0003'
down_revision = 'core_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('program_rounds',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('program_key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('quota', sa.BigInteger(), nullable=True),
    sa.Column('sub_quotas', sa.JSON(), nullable=False),
    sa.Column('threshold', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('second_round', sa.Boolean(), nullable=False),
    sa.Column('second_round_cap_percent', sa.BigInteger(), nullable=False),
    sa.Column('cutoff_ties', sa.String(length=10), nullable=False),
    sa.Column('rule_version', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_program_rounds_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_program_rounds'))
    )
    with op.batch_alter_table('program_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_rounds_program_key'), ['program_key'], unique=False)

    op.create_table('program_applications',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('sub_quota', sa.String(length=60), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['program_rounds.tenant_id', 'program_rounds.id'], name=op.f('fk_program_applications_tenant_id_round_id_program_rounds')),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_program_applications_tenant_id_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_program_applications_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_program_applications')),
    sa.UniqueConstraint('tenant_id', 'round_id', 'user_id', name=op.f('uq_program_applications_tenant_id_round_id_user_id'))
    )
    with op.batch_alter_table('program_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_applications_round_id'), ['round_id'], unique=False)

    op.create_table('ranking_runs',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('rule_version', sa.BigInteger(), nullable=True),
    sa.Column('plugin_versions', sa.JSON(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('input_count', sa.BigInteger(), nullable=False),
    sa.Column('allocated_count', sa.BigInteger(), nullable=False),
    sa.Column('cutoff', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['program_rounds.tenant_id', 'program_rounds.id'], name=op.f('fk_ranking_runs_tenant_id_round_id_program_rounds')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ranking_runs_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_ranking_runs'))
    )
    with op.batch_alter_table('ranking_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ranking_runs_round_id'), ['round_id'], unique=False)

    op.create_table('ranking_inputs',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('program_application_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('sub_quota', sa.String(length=60), nullable=True),
    sa.Column('family_key', sa.String(length=64), nullable=True),
    sa.Column('points', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('tb1', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('tb2', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('tb3', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('tb4', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('lottery', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'run_id'], ['ranking_runs.tenant_id', 'ranking_runs.id'], name=op.f('fk_ranking_inputs_tenant_id_run_id_ranking_runs')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ranking_inputs_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'run_id', 'program_application_id', name=op.f('pk_ranking_inputs'))
    )
    op.create_table('ranking_results',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('program_application_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('sub_quota', sa.String(length=60), nullable=True),
    sa.Column('sub_position', sa.BigInteger(), nullable=True),
    sa.Column('points', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('allocation_round', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'run_id'], ['ranking_runs.tenant_id', 'ranking_runs.id'], name=op.f('fk_ranking_results_tenant_id_run_id_ranking_runs')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ranking_results_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'run_id', 'program_application_id', name=op.f('pk_ranking_results'))
    )
    with op.batch_alter_table('ranking_results', schema=None) as batch_op:
        batch_op.create_index('ix_ranking_results_order', ['tenant_id', 'run_id', 'position'], unique=False)

    for table in TABLES:
        tenant_table_created(table)


def downgrade() -> None:
    for table in TABLES:
        tenant_table_dropping(table)
    with op.batch_alter_table('ranking_results', schema=None) as batch_op:
        batch_op.drop_index('ix_ranking_results_order')

    op.drop_table('ranking_results')
    op.drop_table('ranking_inputs')
    with op.batch_alter_table('ranking_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ranking_runs_round_id'))

    op.drop_table('ranking_runs')
    with op.batch_alter_table('program_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_applications_round_id'))

    op.drop_table('program_applications')
    with op.batch_alter_table('program_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_rounds_program_key'))

    op.drop_table('program_rounds')
