-- A course goes on past "ready for dosing": dosing sessions, integration, completed.
ALTER TABLE courses DROP CONSTRAINT courses_stage_check;
ALTER TABLE courses ADD CONSTRAINT courses_stage_check CHECK (stage IN ('assessment', 'preparation', 'medical_evaluation', 'medication', 'ready_for_dosing', 'dosing', 'integration', 'completed', 'discontinued'));
