"""personnel file: person, SYLL section tables, change sets, file versions, attachments, photo

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=True),
    sa.Column('status_decision', sa.String(length=100), nullable=True),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('completeness', sa.Integer(), nullable=False),
    sa.Column('file_number', sa.String(length=50), nullable=True),
    sa.Column('national_id_code', sa.String(length=50), nullable=True),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=True),
    sa.Column('other_names', sa.String(length=300), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('birth_date_precision', sa.String(length=5), nullable=True),
    sa.Column('birthplace', sa.String(length=300), nullable=True),
    sa.Column('birthplace_province', sa.String(length=10), nullable=True),
    sa.Column('hometown_commune', sa.String(length=150), nullable=True),
    sa.Column('hometown_district', sa.String(length=150), nullable=True),
    sa.Column('hometown_province', sa.String(length=10), nullable=True),
    sa.Column('ethnicity', sa.String(length=10), nullable=True),
    sa.Column('religion', sa.String(length=10), nullable=True),
    sa.Column('cccd', sa.LargeBinary(), nullable=True),
    sa.Column('cccd_index', sa.String(length=64), nullable=True),
    sa.Column('cccd_issued_on', sa.Date(), nullable=True),
    sa.Column('phone', sa.LargeBinary(), nullable=True),
    sa.Column('social_insurance_no', sa.LargeBinary(), nullable=True),
    sa.Column('health_insurance_no', sa.LargeBinary(), nullable=True),
    sa.Column('residence', sa.String(length=300), nullable=True),
    sa.Column('family_origin', sa.String(length=100), nullable=True),
    sa.Column('previous_occupation', sa.String(length=200), nullable=True),
    sa.Column('recruited_on', sa.Date(), nullable=True),
    sa.Column('recruiting_unit', sa.String(length=300), nullable=True),
    sa.Column('joined_agency_on', sa.Date(), nullable=True),
    sa.Column('party_joined_on', sa.Date(), nullable=True),
    sa.Column('party_official_on', sa.Date(), nullable=True),
    sa.Column('first_org_joined_on', sa.Date(), nullable=True),
    sa.Column('first_org_name', sa.String(length=200), nullable=True),
    sa.Column('enlisted_on', sa.Date(), nullable=True),
    sa.Column('discharged_on', sa.Date(), nullable=True),
    sa.Column('military_rank', sa.String(length=100), nullable=True),
    sa.Column('policy_category', sa.String(length=10), nullable=True),
    sa.Column('general_education', sa.String(length=10), nullable=True),
    sa.Column('highest_qualification', sa.String(length=10), nullable=True),
    sa.Column('qualification_major', sa.String(length=200), nullable=True),
    sa.Column('academic_title', sa.String(length=10), nullable=True),
    sa.Column('academic_title_year', sa.Integer(), nullable=True),
    sa.Column('state_honours', sa.String(length=300), nullable=True),
    sa.Column('position', sa.String(length=200), nullable=True),
    sa.Column('position_appointed_on', sa.Date(), nullable=True),
    sa.Column('position_reappointed_on', sa.Date(), nullable=True),
    sa.Column('planned_position', sa.String(length=200), nullable=True),
    sa.Column('concurrent_positions', sa.String(length=300), nullable=True),
    sa.Column('party_position', sa.String(length=200), nullable=True),
    sa.Column('party_concurrent_positions', sa.String(length=300), nullable=True),
    sa.Column('main_duties', sa.Text(), nullable=True),
    sa.Column('strengths', sa.String(length=300), nullable=True),
    sa.Column('longest_job', sa.String(length=300), nullable=True),
    sa.Column('rank_code', sa.String(length=20), nullable=True),
    sa.Column('rank_appointed_on', sa.Date(), nullable=True),
    sa.Column('salary_step', sa.Integer(), nullable=True),
    sa.Column('salary_coefficient', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('salary_since', sa.Date(), nullable=True),
    sa.Column('salary_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('seniority_allowance_pct', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('seniority_allowance_since', sa.Date(), nullable=True),
    sa.Column('allowance_position', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('allowance_concurrent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('allowance_other', sa.String(length=300), nullable=True),
    sa.Column('job_position', sa.String(length=200), nullable=True),
    sa.Column('job_position_code', sa.String(length=40), nullable=True),
    sa.Column('job_salary_step', sa.Integer(), nullable=True),
    sa.Column('job_salary_amount', sa.Integer(), nullable=True),
    sa.Column('job_salary_since', sa.Date(), nullable=True),
    sa.Column('job_salary_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('job_seniority_pct', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('job_seniority_since', sa.Date(), nullable=True),
    sa.Column('health', sa.LargeBinary(), nullable=True),
    sa.Column('height_cm', sa.Integer(), nullable=True),
    sa.Column('weight_kg', sa.Integer(), nullable=True),
    sa.Column('blood_group', sa.String(length=5), nullable=True),
    sa.Column('arrest_history', sa.LargeBinary(), nullable=True),
    sa.Column('income_salary', sa.LargeBinary(), nullable=True),
    sa.Column('income_other', sa.LargeBinary(), nullable=True),
    sa.Column('housing_granted', sa.LargeBinary(), nullable=True),
    sa.Column('housing_owned', sa.LargeBinary(), nullable=True),
    sa.Column('land_granted', sa.LargeBinary(), nullable=True),
    sa.Column('land_owned', sa.LargeBinary(), nullable=True),
    sa.Column('land_business', sa.LargeBinary(), nullable=True),
    sa.Column('agency_assessment', sa.Text(), nullable=True),
    sa.Column('search_key', sa.String(length=400), nullable=False),
    sa.Column('sort_key', sa.String(length=800).with_variant(sa.String(length=800, collation='C'), 'postgresql'),
              nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['ab_user.id'], name='fk_person_account_id'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name='fk_person_org_unit_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', name='uq_person_account_id')
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_cccd_index', ['cccd_index'], unique=False)
        batch_op.create_index('ix_person_org_unit_sort', ['org_unit_id', 'sort_key', 'id'], unique=False)
        batch_op.create_index('ix_person_search_key_trgm', ['search_key'], unique=False, postgresql_using='gin', postgresql_ops={'search_key': 'gin_trgm_ops'})
        batch_op.create_index('ix_person_sort', ['sort_key', 'id'], unique=False)
        batch_op.create_index('ix_person_status', ['status'], unique=False)

    op.create_table('allowance_record',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.String(length=7), nullable=True),
    sa.Column('end', sa.String(length=7), nullable=True),
    sa.Column('allowance_type', sa.String(length=30), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('coefficient', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('mode', sa.String(length=100), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_allowance_record_person_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('allowance_record', schema=None) as batch_op:
        batch_op.create_index('ix_allowance_record_person', ['person_id'], unique=False)

    op.create_table('change_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('base_version_no', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], name='fk_change_set_created_by_id'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['ab_user.id'], name='fk_change_set_decided_by_id'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_change_set_person_id'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['ab_user.id'], name='fk_change_set_submitted_by_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_set', schema=None) as batch_op:
        batch_op.create_index('ix_change_set_person_status', ['person_id', 'status'], unique=False)
        batch_op.create_index('ix_change_set_status_submitted', ['status', 'submitted_at'], unique=False)

    op.create_table('discipline_record',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.String(length=7), nullable=True),
    sa.Column('end', sa.String(length=7), nullable=True),
    sa.Column('form', sa.String(length=30), nullable=False),
    sa.Column('violation', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=300), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_discipline_record_person_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('discipline_record', schema=None) as batch_op:
        batch_op.create_index('ix_discipline_record_person', ['person_id'], unique=False)

    op.create_table('evaluation_record',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=True),
    sa.Column('emulation', sa.String(length=100), nullable=True),
    sa.Column('award', sa.String(length=300), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_evaluation_record_person_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluation_record', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_record_person', ['person_id'], unique=False)

    op.create_table('history_record',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('start', sa.String(length=7), nullable=True),
    sa.Column('end', sa.String(length=7), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_history_record_person_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('history_record', schema=None) as batch_op:
        batch_op.create_index('ix_history_record_person', ['person_id', 'kind'], unique=False)

    op.create_table('person_photo',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('mime_type', sa.String(length=50), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_person_photo_person_id'),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_table('relative',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('criminal_record', sa.LargeBinary(), nullable=True),
    sa.Column('lives_abroad', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_relative_person_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('relative', schema=None) as batch_op:
        batch_op.create_index('ix_relative_person', ['person_id', 'side'], unique=False)

    op.create_table('salary_record',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.String(length=7), nullable=True),
    sa.Column('end', sa.String(length=7), nullable=True),
    sa.Column('rank_code', sa.String(length=20), nullable=True),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('coefficient', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_salary_record_person_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('salary_record', schema=None) as batch_op:
        batch_op.create_index('ix_salary_record_person', ['person_id'], unique=False)

    op.create_table('training_record',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('start', sa.String(length=7), nullable=True),
    sa.Column('end', sa.String(length=7), nullable=True),
    sa.Column('institution', sa.String(length=300), nullable=True),
    sa.Column('major', sa.String(length=200), nullable=True),
    sa.Column('mode', sa.String(length=20), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('certificate', sa.String(length=200), nullable=True),
    sa.Column('language', sa.String(length=100), nullable=True),
    sa.Column('score', sa.String(length=50), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_training_record_person_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.create_index('ix_training_record_person', ['person_id', 'kind'], unique=False)

    op.create_table('work_record',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.String(length=7), nullable=True),
    sa.Column('end', sa.String(length=7), nullable=True),
    sa.Column('unit_name', sa.String(length=300), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_work_record_person_id'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('work_record', schema=None) as batch_op:
        batch_op.create_index('ix_work_record_person', ['person_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('change_set_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('section', sa.String(length=40), nullable=True),
    sa.Column('description', sa.String(length=300), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('mime_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['change_set_id'], ['change_set.id'], name='fk_attachment_change_set_id'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_attachment_person_id'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['ab_user.id'], name='fk_attachment_uploaded_by_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stored_name', name='uq_attachment_stored_name')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_change_set', ['change_set_id'], unique=False)
        batch_op.create_index('ix_attachment_person', ['person_id'], unique=False)

    op.create_table('change_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_set_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=40), nullable=False),
    sa.Column('op', sa.String(length=10), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=True),
    sa.Column('values', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['change_set_id'], ['change_set.id'], name='fk_change_item_change_set_id', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('change_set_id', 'section', 'op', 'row_id', name='uq_change_item_target')
    )
    with op.batch_alter_table('change_item', schema=None) as batch_op:
        batch_op.create_index('ix_change_item_change_set', ['change_set_id'], unique=False)

    op.create_table('file_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('change_set_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['change_set_id'], ['change_set.id'], name='fk_file_version_change_set_id'),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], name='fk_file_version_created_by_id'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_file_version_person_id'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'version_no', name='uq_file_version_person_no')
    )
    with op.batch_alter_table("consent_grant", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_consent_grant_person_id", "person", ["person_id"], ["id"])


def downgrade():
    with op.batch_alter_table("consent_grant", schema=None) as batch_op:
        batch_op.drop_constraint("fk_consent_grant_person_id", type_="foreignkey")
    op.drop_table('file_version')
    with op.batch_alter_table('change_item', schema=None) as batch_op:
        batch_op.drop_index('ix_change_item_change_set')

    op.drop_table('change_item')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_person')
        batch_op.drop_index('ix_attachment_change_set')

    op.drop_table('attachment')
    with op.batch_alter_table('work_record', schema=None) as batch_op:
        batch_op.drop_index('ix_work_record_person')

    op.drop_table('work_record')
    with op.batch_alter_table('training_record', schema=None) as batch_op:
        batch_op.drop_index('ix_training_record_person')

    op.drop_table('training_record')
    with op.batch_alter_table('salary_record', schema=None) as batch_op:
        batch_op.drop_index('ix_salary_record_person')

    op.drop_table('salary_record')
    with op.batch_alter_table('relative', schema=None) as batch_op:
        batch_op.drop_index('ix_relative_person')

    op.drop_table('relative')
    op.drop_table('person_photo')
    with op.batch_alter_table('history_record', schema=None) as batch_op:
        batch_op.drop_index('ix_history_record_person')

    op.drop_table('history_record')
    with op.batch_alter_table('evaluation_record', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_record_person')

    op.drop_table('evaluation_record')
    with op.batch_alter_table('discipline_record', schema=None) as batch_op:
        batch_op.drop_index('ix_discipline_record_person')

    op.drop_table('discipline_record')
    with op.batch_alter_table('change_set', schema=None) as batch_op:
        batch_op.drop_index('ix_change_set_status_submitted')
        batch_op.drop_index('ix_change_set_person_status')

    op.drop_table('change_set')
    with op.batch_alter_table('allowance_record', schema=None) as batch_op:
        batch_op.drop_index('ix_allowance_record_person')

    op.drop_table('allowance_record')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_status')
        batch_op.drop_index('ix_person_sort')
        batch_op.drop_index('ix_person_search_key_trgm', postgresql_using='gin', postgresql_ops={'search_key': 'gin_trgm_ops'})
        batch_op.drop_index('ix_person_org_unit_sort')
        batch_op.drop_index('ix_person_cccd_index')

    op.drop_table('person')
