using RegistryController.Cli.Commands;

return await RegistryctlCommand.RunAsync(args);
