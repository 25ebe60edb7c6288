using RegistryController.Tools;

return await ToolCommand.RunAsync(args);
