"""Where each name of each HardPy 0.25.2 module comes from under hardlab.

The module list and the names are HardPy's (``tests/data/hardpy_modules.json``
keeps them and a test checks this table against it); each value is the
``"module:name"`` of the hardlab object that answers for it.
"""

from __future__ import annotations

__all__ = ["HARDPY_MODULES"]

HARDPY_MODULES: dict[str, dict[str, str]] = {
    # filled from hardlab.__all__ (a superset of HardPy's names) on first use
    "hardpy": {},
    "hardpy.common": {},
    "hardpy.common.config": {
        "ConfigManager": "hardlab.compat._internals:ConfigManager",
        "DatabaseConfig": "hardlab.config:DatabaseConfig",
        "FrontendConfig": "hardlab.config:FrontendConfig",
        "HardpyConfig": "hardlab.config:HardpyConfig",
        "ModalResultConfig": "hardlab.config:ModalResultConfig",
        "ReportsStorageMenuConfig": "hardlab.config:ReportsStorageMenuConfig",
        "StandCloudConfig": "hardlab.config:StandCloudConfig",
        "StorageType": "hardlab.compat._internals:StorageType",
        "TestConfig": "hardlab.config:TestConfig",
        "TestConfigs": "hardlab.compat._internals:TestConfigs",
    },
    "hardpy.common.singleton": {
        "SingletonMeta": "hardlab.compat._internals:SingletonMeta",
        "T": "hardlab.compat._internals:T",
    },
    "hardpy.common.stand_cloud": {
        "StandCloudAPIMode": "hardlab.cloud:StandCloudAPIMode",
        "StandCloudConnector": "hardlab.cloud:StandCloudConnector",
        "StandCloudError": "hardlab.errors:StandCloudError",
        "login": "hardlab.cloud:login",
        "logout": "hardlab.cloud:logout",
    },
    "hardpy.common.stand_cloud.connector": {
        "StandCloudConnector": "hardlab.cloud:StandCloudConnector",
    },
    "hardpy.common.stand_cloud.exception": {
        "StandCloudError": "hardlab.errors:StandCloudError",
    },
    "hardpy.common.stand_cloud.oauth2": {
        "OAuth2": "hardlab.compat._refused:OAuth2",
    },
    "hardpy.common.stand_cloud.registration": {
        "login": "hardlab.cloud:login",
        "logout": "hardlab.cloud:logout",
    },
    "hardpy.common.stand_cloud.token_manager": {
        "TokenManager": "hardlab.compat._refused:TokenManager",
    },
    "hardpy.common.stand_cloud.utils": {
        "StandCloudAPIMode": "hardlab.cloud:StandCloudAPIMode",
        "StandCloudAddr": "hardlab.compat._internals:StandCloudAddr",
    },
    "hardpy.pytest_hardpy": {},
    "hardpy.pytest_hardpy.db": {
        "Chart": "hardlab.model:Chart",
        "DatabaseField": "hardlab.compat._internals:DatabaseField",
        "Instrument": "hardlab.model:Instrument",
        "NumericMeasurement": "hardlab.model:NumericMeasurement",
        "ResultRunStore": "hardlab.model:ResultRunStore",
        "ResultStateStore": "hardlab.model:ResultStateStore",
        "RunStore": "hardlab.compat._internals:RunStore",
        "StateStore": "hardlab.compat._refused:StateStore",
        "StringMeasurement": "hardlab.model:StringMeasurement",
        "SubUnit": "hardlab.model:SubUnit",
        "TempStore": "hardlab.compat._refused:TempStore",
    },
    "hardpy.pytest_hardpy.db.common": {
        "StorageInterface": "hardlab.compat._internals:StorageInterface",
        "TempStorageInterface": "hardlab.compat._internals:TempStorageInterface",
        "clear_doc_value": "hardlab.compat._internals:clear_doc_value",
        "create_default_doc_structure": "hardlab.compat._internals:create_default_doc_structure",
        "get_field": "hardlab.compat._internals:get_field",
        "update_doc_value": "hardlab.compat._internals:update_doc_value",
    },
    "hardpy.pytest_hardpy.db.const": {
        "DatabaseField": "hardlab.compat._internals:DatabaseField",
    },
    "hardpy.pytest_hardpy.db.couchdb": {
        "CouchDBRunStore": "hardlab.compat._refused:CouchDBRunStore",
        "CouchDBStateStore": "hardlab.compat._refused:CouchDBStateStore",
        "CouchDBTempStore": "hardlab.compat._refused:CouchDBTempStore",
    },
    "hardpy.pytest_hardpy.db.couchdb.common": {
        "update_db": "hardlab.compat._refused:couchdb_update_db",
        "update_doc": "hardlab.compat._refused:couchdb_update_doc",
    },
    "hardpy.pytest_hardpy.db.couchdb.runstore": {
        "CouchDBRunStore": "hardlab.compat._refused:CouchDBRunStore",
    },
    "hardpy.pytest_hardpy.db.couchdb.statestore": {
        "CouchDBStateStore": "hardlab.compat._refused:CouchDBStateStore",
    },
    "hardpy.pytest_hardpy.db.couchdb.tempstore": {
        "CouchDBTempStore": "hardlab.compat._refused:CouchDBTempStore",
    },
    "hardpy.pytest_hardpy.db.json": {
        "JsonRunStore": "hardlab.compat._refused:JsonRunStore",
        "JsonStateStore": "hardlab.compat._refused:JsonStateStore",
        "JsonTempStore": "hardlab.compat._refused:JsonTempStore",
    },
    "hardpy.pytest_hardpy.db.json.common": {
        "log": "hardlab.compat._internals:log",
        "update_db": "hardlab.compat._internals:json_update_db",
        "update_doc": "hardlab.compat._internals:json_update_doc",
    },
    "hardpy.pytest_hardpy.db.json.runstore": {
        "JsonRunStore": "hardlab.compat._refused:JsonRunStore",
    },
    "hardpy.pytest_hardpy.db.json.statestore": {
        "JsonStateStore": "hardlab.compat._refused:JsonStateStore",
    },
    "hardpy.pytest_hardpy.db.json.tempstore": {
        "JsonTempStore": "hardlab.compat._refused:JsonTempStore",
    },
    "hardpy.pytest_hardpy.db.runstore": {
        "RunStore": "hardlab.compat._internals:RunStore",
    },
    "hardpy.pytest_hardpy.db.schema": {
        "ResultRunStore": "hardlab.model:ResultRunStore",
        "ResultStateStore": "hardlab.model:ResultStateStore",
    },
    "hardpy.pytest_hardpy.db.schema.v1": {
        "CaseRunStore": "hardlab.model:CaseRunStore",
        "CaseStateStore": "hardlab.model:CaseStateStore",
        "Chart": "hardlab.model:ChartRecord",
        "Dut": "hardlab.model:Dut",
        "IBaseMeasurement": "hardlab.model.measurement:IBaseMeasurement",
        "IBaseResult": "hardlab.model:IBaseResult",
        "Instrument": "hardlab.model:Instrument",
        "ModuleRunStore": "hardlab.model:ModuleRunStore",
        "ModuleStateStore": "hardlab.model:ModuleStateStore",
        "NumericMeasurement": "hardlab.model:NumericMeasurementRecord",
        "OperatorData": "hardlab.model:OperatorData",
        "Process": "hardlab.model:Process",
        "ResultRunStore": "hardlab.model:ResultRunStore",
        "ResultStateStore": "hardlab.model:ResultStateStore",
        "StringMeasurement": "hardlab.model:StringMeasurementRecord",
        "SubUnit": "hardlab.model:SubUnit",
        "TestStand": "hardlab.model:TestStand",
    },
    "hardpy.pytest_hardpy.db.stand_type": {
        "Chart": "hardlab.model:Chart",
        "Instrument": "hardlab.model:Instrument",
        "NumericMeasurement": "hardlab.model:NumericMeasurement",
        "StringMeasurement": "hardlab.model:StringMeasurement",
        "SubUnit": "hardlab.model:SubUnit",
    },
    "hardpy.pytest_hardpy.db.statestore": {
        "StateStore": "hardlab.compat._refused:StateStore",
    },
    "hardpy.pytest_hardpy.db.tempstore": {
        "TempStore": "hardlab.compat._refused:TempStore",
    },
    "hardpy.pytest_hardpy.pytest_call": {
        "CurrentTestInfo": "hardlab.compat._internals:CurrentTestInfo",
        "ErrorCode": "hardlab.api:ErrorCode",
        "PassFailDialog": "hardlab.model:PassFailDialog",
        "clear_operator_message": "hardlab.api:clear_operator_message",
        "get_current_attempt": "hardlab.api:get_current_attempt",
        "get_current_report": "hardlab.api:get_current_report",
        "get_hardpy_config": "hardlab.api:get_hardpy_config",
        "run_dialog_box": "hardlab.api:run_dialog_box",
        "set_batch_serial_number": "hardlab.api:set_batch_serial_number",
        "set_case_artifact": "hardlab.api:set_case_artifact",
        "set_case_chart": "hardlab.api:set_case_chart",
        "set_case_measurement": "hardlab.api:set_case_measurement",
        "set_driver_info": "hardlab.api:set_driver_info",
        "set_dut_info": "hardlab.api:set_dut_info",
        "set_dut_name": "hardlab.api:set_dut_name",
        "set_dut_part_number": "hardlab.api:set_dut_part_number",
        "set_dut_revision": "hardlab.api:set_dut_revision",
        "set_dut_serial_number": "hardlab.api:set_dut_serial_number",
        "set_dut_sub_unit": "hardlab.api:set_dut_sub_unit",
        "set_dut_type": "hardlab.api:set_dut_type",
        "set_instrument": "hardlab.api:set_instrument",
        "set_message": "hardlab.api:set_message",
        "set_module_artifact": "hardlab.api:set_module_artifact",
        "set_operator_message": "hardlab.api:set_operator_message",
        "set_process_info": "hardlab.api:set_process_info",
        "set_process_name": "hardlab.api:set_process_name",
        "set_process_number": "hardlab.api:set_process_number",
        "set_run_artifact": "hardlab.api:set_run_artifact",
        "set_stand_info": "hardlab.api:set_stand_info",
        "set_stand_location": "hardlab.api:set_stand_location",
        "set_stand_name": "hardlab.api:set_stand_name",
        "set_stand_number": "hardlab.api:set_stand_number",
        "set_stand_revision": "hardlab.api:set_stand_revision",
        "set_user_name": "hardlab.api:set_user_name",
    },
    "hardpy.pytest_hardpy.pytest_wrapper": {
        "PyTestWrapper": "hardlab.compat._refused:PyTestWrapper",
    },
    "hardpy.pytest_hardpy.reporter": {
        "HookReporter": "hardlab.compat._refused:HookReporter",
        "RunnerReporter": "hardlab.compat._refused:RunnerReporter",
    },
    "hardpy.pytest_hardpy.reporter.base": {
        "BaseReporter": "hardlab.compat._refused:BaseReporter",
    },
    "hardpy.pytest_hardpy.reporter.hook_reporter": {
        "HookReporter": "hardlab.compat._refused:HookReporter",
    },
    "hardpy.pytest_hardpy.reporter.runner_reporter": {
        "RunnerReporter": "hardlab.compat._refused:RunnerReporter",
    },
    "hardpy.pytest_hardpy.result": {
        "CouchdbLoader": "hardlab.exchange:CouchdbLoader",
        "CouchdbReader": "hardlab.exchange:CouchdbReader",
        "JsonLoader": "hardlab.exchange:JsonLoader",
        "StandCloudLoader": "hardlab.cloud:StandCloudLoader",
        "StandCloudReader": "hardlab.cloud:StandCloudReader",
    },
    "hardpy.pytest_hardpy.result.couchdb_config": {
        "CouchdbConfig": "hardlab.exchange:CouchdbConfig",
    },
    "hardpy.pytest_hardpy.result.report_loader": {
        "CouchdbLoader": "hardlab.exchange:CouchdbLoader",
        "StandCloudLoader": "hardlab.cloud:StandCloudLoader",
    },
    "hardpy.pytest_hardpy.result.report_loader.couchdb_loader": {
        "CouchdbLoader": "hardlab.exchange:CouchdbLoader",
    },
    "hardpy.pytest_hardpy.result.report_loader.json_loader": {
        "JsonLoader": "hardlab.exchange:JsonLoader",
    },
    "hardpy.pytest_hardpy.result.report_loader.stand_cloud_loader": {
        "StandCloudLoader": "hardlab.cloud:StandCloudLoader",
    },
    "hardpy.pytest_hardpy.result.report_reader": {},
    "hardpy.pytest_hardpy.result.report_reader.couchdb_reader": {
        "CouchdbReader": "hardlab.exchange:CouchdbReader",
        "ReportInfo": "hardlab.exchange:ReportInfo",
    },
    "hardpy.pytest_hardpy.result.report_reader.stand_cloud_reader": {
        "StandCloudReader": "hardlab.cloud:StandCloudReader",
    },
    "hardpy.pytest_hardpy.result.report_synchronizer": {
        "StandCloudSynchronizer": "hardlab.compat._refused:StandCloudSynchronizer",
    },
    "hardpy.pytest_hardpy.result.report_synchronizer.synchronizer": {
        "StandCloudSynchronizer": "hardlab.compat._refused:StandCloudSynchronizer",
    },
    "hardpy.pytest_hardpy.utils": {
        # not in HardPy's module, served since hardlab's first alias: kept for plans using it
        "PassFailDialog": "hardlab.model:PassFailDialog",
        "BaseWidget": "hardlab.model:BaseWidget",
        "ChartType": "hardlab.model:ChartType",
        "CheckboxWidget": "hardlab.model:CheckboxWidget",
        "ComparisonOperation": "hardlab.model:ComparisonOperation",
        "DialogBox": "hardlab.model:DialogBox",
        "DuplicateParameterError": "hardlab.errors:DuplicateParameterError",
        "Group": "hardlab.model:Group",
        "HTMLComponent": "hardlab.model:HTMLComponent",
        "ImageComponent": "hardlab.model:ImageComponent",
        "ImageError": "hardlab.errors:ImageError",
        "MeasurementType": "hardlab.model:MeasurementType",
        "MultistepWidget": "hardlab.model:MultistepWidget",
        "NodeInfo": "hardlab.engine:NodeInfo",
        "NumericInputWidget": "hardlab.model:NumericInputWidget",
        "ProgressCalculator": "hardlab.compat._internals:ProgressCalculator",
        "RadiobuttonWidget": "hardlab.model:RadiobuttonWidget",
        "StepWidget": "hardlab.model:StepWidget",
        "TestStandNumberError": "hardlab.errors:TestStandNumberError",
        "TestStatus": "hardlab.model:TestStatus",
        "TextInputWidget": "hardlab.model:TextInputWidget",
        "WidgetInfoError": "hardlab.errors:WidgetInfoError",
        "machine_id": "hardlab._util:machine_id",
    },
    "hardpy.pytest_hardpy.utils.const": {
        "ChartType": "hardlab.model:ChartType",
        "ComparisonOperation": "hardlab.model:ComparisonOperation",
        "Group": "hardlab.model:Group",
        "MeasurementType": "hardlab.model:MeasurementType",
        "TestStatus": "hardlab.model:TestStatus",
    },
    "hardpy.pytest_hardpy.utils.dialog_box": {
        "BaseWidget": "hardlab.model:BaseWidget",
        "CheckboxWidget": "hardlab.model:CheckboxWidget",
        "DialogBox": "hardlab.model:DialogBox",
        "HTMLComponent": "hardlab.model:HTMLComponent",
        "IWidget": "hardlab.model.dialog:IWidget",
        "ImageComponent": "hardlab.model:ImageComponent",
        "MultistepWidget": "hardlab.model:MultistepWidget",
        "NumericInputWidget": "hardlab.model:NumericInputWidget",
        "RadiobuttonWidget": "hardlab.model:RadiobuttonWidget",
        "StepWidget": "hardlab.model:StepWidget",
        "TextInputWidget": "hardlab.model:TextInputWidget",
        "WidgetType": "hardlab.model.dialog:WidgetType",
    },
    "hardpy.pytest_hardpy.utils.exception": {
        "DuplicateParameterError": "hardlab.errors:DuplicateParameterError",
        "HardpyError": "hardlab.errors:HardpyError",
        "ImageError": "hardlab.errors:ImageError",
        "TestStandNumberError": "hardlab.errors:TestStandNumberError",
        "WidgetInfoError": "hardlab.errors:WidgetInfoError",
    },
    "hardpy.pytest_hardpy.utils.machineid": {
        "machine_id": "hardlab._util:machine_id",
    },
    "hardpy.pytest_hardpy.utils.node_info": {
        "NodeInfo": "hardlab.engine:NodeInfo",
        "TestDependencyInfo": "hardlab.engine._nodes:Dependency",
    },
    "hardpy.pytest_hardpy.utils.progress_calculator": {
        "ProgressCalculator": "hardlab.compat._internals:ProgressCalculator",
    },
}
"""HardPy module name -> {attribute: ``"module:name"`` of the hardlab object it is}."""
