"""Every component id of the dashboard, in one place (pages import these, never spell ids).

Ids are prefixed by their page so that no two pages share one. Builder lever controls
use the pattern-matching id ``{"type": LEVER_VALUE, "lever": name, "part": k}``.
"""

# --- app shell: shared stores and navigation ----------------------------------------
NAV = "nav"
STORE_NOTICE = "store-notice"
BUILDER_RUNNING = "builder-running"            # app-level "running" flag of the builder's job
FAMILY_RUNNING = "family-running"              # ... and of the family trace job
EXPERIMENT_CHOICE = "experiment-choice"        # the experiment last chosen on any page (session)

# --- overview -------------------------------------------------------------------------
OVERVIEW_EXPERIMENT = "overview-experiment"
OVERVIEW_SCENARIO = "overview-scenario"
OVERVIEW_CARDS = "overview-cards"
OVERVIEW_GRAPHS = "overview-graphs"
OVERVIEW_MESSAGE = "overview-message"

# --- compare --------------------------------------------------------------------------
COMPARE_EXPERIMENT = "compare-experiment"
COMPARE_SCENARIOS = "compare-scenarios"
COMPARE_INDICATOR = "compare-indicator"
COMPARE_YEAR = "compare-year"
COMPARE_LINES = "compare-lines"
COMPARE_DIFFERENCES = "compare-differences"
COMPARE_TABLE = "compare-table"
COMPARE_MESSAGE = "compare-message"

# --- population -----------------------------------------------------------------------
POPULATION_EXPERIMENT = "population-experiment"
POPULATION_SCENARIO_A = "population-scenario-a"
POPULATION_SCENARIO_B = "population-scenario-b"
POPULATION_YEAR = "population-year"
POPULATION_PYRAMID = "population-pyramid"
POPULATION_DEPENDENCY = "population-dependency"
POPULATION_MESSAGE = "population-message"

# --- childcare ------------------------------------------------------------------------
CHILDCARE_EXPERIMENT = "childcare-experiment"
CHILDCARE_SCENARIO = "childcare-scenario"
CHILDCARE_YEAR = "childcare-year"
CHILDCARE_DISTRICTS = "childcare-districts"
CHILDCARE_MODES = "childcare-modes"
CHILDCARE_MESSAGE = "childcare-message"

# --- work -----------------------------------------------------------------------------
WORK_EXPERIMENT = "work-experiment"
WORK_SCENARIOS = "work-scenarios"
WORK_LFP = "work-lfp"
WORK_MOTHERS = "work-mothers"
WORK_MESSAGE = "work-message"

# --- costs ----------------------------------------------------------------------------
COSTS_EXPERIMENT = "costs-experiment"
COSTS_SCENARIO = "costs-scenario"
COSTS_BY_LEVER = "costs-by-lever"
COSTS_PER_BIRTH = "costs-per-birth"
COSTS_MESSAGE = "costs-message"

# --- scenario builder -----------------------------------------------------------------
LEVER_VALUE = "builder-lever-value"            # pattern-matching type of the lever controls
BUILDER_NAME = "builder-name"
BUILDER_SCALE = "builder-scale"
BUILDER_YEARS = "builder-years"
BUILDER_SEEDS = "builder-seeds"
BUILDER_FROM_YEAR = "builder-from-year"
BUILDER_RUN = "builder-run"
BUILDER_JOB = "builder-job"                    # the validated config waiting to run
BUILDER_MESSAGE = "builder-message"
BUILDER_PROGRESS = "builder-progress"
BUILDER_PROGRESS_TEXT = "builder-progress-text"
BUILDER_RESULT = "builder-result"

# --- runs -----------------------------------------------------------------------------
RUNS_EXPERIMENT = "runs-experiment"
RUNS_TABLE = "runs-table"
RUNS_DETAIL = "runs-detail"
RUNS_DOWNLOAD_CONFIG = "runs-download-config"
RUNS_DOWNLOAD_CSV = "runs-download-csv"
RUNS_CONFIG_FILE = "runs-config-file"
RUNS_CSV_FILE = "runs-csv-file"
RUNS_MESSAGE = "runs-message"

# --- follow a family ------------------------------------------------------------------
FAMILY_EXPERIMENT = "family-experiment"
FAMILY_SEED = "family-seed"
FAMILY_SCENARIO_A = "family-scenario-a"
FAMILY_SCENARIO_B = "family-scenario-b"
FAMILY_NUMBER = "family-number"
FAMILY_TRACE = "family-trace"
FAMILY_JOB = "family-job"
FAMILY_PROGRESS = "family-progress"
FAMILY_PROGRESS_TEXT = "family-progress-text"
FAMILY_DONE = "family-done"
FAMILY_VIEW = "family-view"
FAMILY_MESSAGE = "family-message"
